import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { runTestCommand } from '../git/integration/testCommand';
import type { CommandSandboxing } from '../sandbox/sandboxes';
import type { TranscriptStore } from '../state/transcriptStore';

export interface SetupRunOptions {
  timeoutMs: number;
  /** How much of the output the result keeps (the transcript keeps all of it). */
  maxOutputChars: number;
  transcripts: TranscriptStore;
  transcriptRef: string;
  sandboxing: CommandSandboxing;
  signal?: AbortSignal;
}

export interface SetupRun {
  command: string;
  passed: boolean;
  exitCode: number | null;
  timedOut: boolean;
  /** Capped; the whole output is in the transcript. */
  output: string;
  transcriptRef: string;
  durationMs: number;
}

/**
 * Runs a setup command in a checkout through the same runner (and so the same environment and,
 * later, the same sandbox) as the test command, writing everything it prints to its transcript.
 */
export async function runSetup(command: string, dir: string, options: SetupRunOptions): Promise<SetupRun> {
  const file = options.transcripts.pathOf(options.transcriptRef);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const log = createWriteStream(file, { flags: 'a' });
  const started = Date.now();
  log.write(`[${new Date(started).toISOString()}] $ ${command}\n`);
  try {
    const result = await runTestCommand(command, {
      cwd: dir,
      timeoutMs: options.timeoutMs,
      maxOutputChars: options.maxOutputChars,
      signal: options.signal,
      sandboxing: options.sandboxing,
      onOutput: (chunk) => log.write(chunk),
    });
    const durationMs = Date.now() - started;
    const ending = result.timedOut ? `killed after ${options.timeoutMs} ms` : `exit code ${result.exitCode}`;
    log.write(`\n[${ending} after ${(durationMs / 1000).toFixed(1)} s]\n`);
    return { ...result, command, transcriptRef: options.transcriptRef, durationMs };
  } finally {
    await new Promise<void>((resolve, reject) => log.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
}
