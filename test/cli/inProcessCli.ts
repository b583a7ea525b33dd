import * as os from 'node:os';
import { runCli } from '../../src/cli/program';
import type { OutputStream } from '../../src/cli/outputStream';
import type { CliResult } from './cliHarness';

class Capture implements OutputStream {
  text = '';
  isTTY = false;
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

/** Runs the command line in this process (no spawn), capturing its output; for checks that need no server. */
export async function runInProcess(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runCli(args, { stdout, stderr, env, cwd: os.tmpdir() });
  return { code, signal: null, stdout: stdout.text, stderr: stderr.text };
}
