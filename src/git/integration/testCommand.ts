import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { SandboxUnavailableError, sandboxUnavailableFailure } from '../../sandbox/commandSandbox';
import type { CommandSandboxing } from '../../sandbox/sandboxes';
import { spawnSandboxed } from '../../sandbox/spawnSandboxed';
import { redactSecrets } from '../../secrets/redactSecrets';

export interface TestCommandOptions {
  cwd: string;
  /** The sandbox and network choice the command runs with (tests: no network by default; setup: network). */
  sandboxing: CommandSandboxing;
  timeoutMs: number;
  /** Output beyond this many characters is cut from the middle (the start and the end matter most). */
  maxOutputChars: number;
  signal?: AbortSignal;
  /** Receives the whole output as it arrives (a transcript file), uncapped. */
  onOutput?: (chunk: string) => void;
}

export interface TestCommandResult {
  passed: boolean;
  exitCode: number | null;
  timedOut: boolean;
  /** Interleaved stdout and stderr, capped, with the worker's secret values redacted. */
  output: string;
}

/** Keeps the head and the tail of a stream within a fixed budget. */
class CappedOutput {
  private head = '';
  private tail = '';
  private dropped = 0;

  constructor(private readonly max: number) {}

  append(chunk: string): void {
    const headBudget = Math.floor(this.max / 4);
    if (this.head.length < headBudget) {
      const take = chunk.slice(0, headBudget - this.head.length);
      this.head += take;
      chunk = chunk.slice(take.length);
    }
    this.tail += chunk;
    const tailBudget = this.max - headBudget;
    if (this.tail.length > tailBudget) {
      this.dropped += this.tail.length - tailBudget;
      this.tail = this.tail.slice(this.tail.length - tailBudget);
    }
  }

  text(): string {
    return this.dropped > 0 ? `${this.head}\n… [${this.dropped} characters omitted] …\n${this.tail}` : this.head + this.tail;
  }
}

/**
 * Runs a project's command (its test command, its setup command) through the shell in `cwd`, in its
 * sandbox, with the environment every command on a checkout gets. The command gets its own process
 * group so a timeout or cancellation stops everything it started, not just the shell.
 */
export async function runTestCommand(command: string, options: TestCommandOptions): Promise<TestCommandResult> {
  let child: ChildProcessByStdio<null, Readable, Readable>;
  try {
    child = await spawnSandboxed(options.sandboxing, command, options.cwd);
  } catch (error) {
    // Never run a gate unconfined because the sandbox is missing: the task fails, saying what to install.
    if (error instanceof SandboxUnavailableError) throw sandboxUnavailableFailure(error);
    throw error;
  }
  return watchTestCommand(child, options);
}

function watchTestCommand(child: ChildProcessByStdio<null, Readable, Readable>, options: TestCommandOptions): Promise<TestCommandResult> {
  return new Promise((resolve, reject) => {
    const output = new CappedOutput(options.maxOutputChars);
    let timedOut = false;
    let settled = false;
    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch (error) {
        // ESRCH: the group already exited between the check and the kill.
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      output.append(`\n[test command killed after ${options.timeoutMs} ms]\n`);
      killGroup();
    }, options.timeoutMs);
    const onAbort = (): void => killGroup();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    // Preparing the sandbox takes a moment: a cancellation may already have arrived.
    if (options.signal?.aborted) onAbort();
    const take = (chunk: string): void => {
      output.append(chunk);
      options.onOutput?.(chunk);
    };
    child.stdout.setEncoding('utf8').on('data', take);
    child.stderr.setEncoding('utf8').on('data', take);
    const finish = (): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (error) => {
      if (settled) return;
      settled = true;
      finish();
      reject(error);
    });
    child.on('close', (code) => {
      if (settled) return;
      settled = true;
      finish();
      if (options.signal?.aborted) {
        reject(options.signal.reason instanceof Error ? options.signal.reason : new Error('test command cancelled'));
        return;
      }
      resolve({ passed: code === 0 && !timedOut, exitCode: code, timedOut, output: redactSecrets(output.text()) });
    });
  });
}
