import { spawn } from 'node:child_process';
import { commandEnvironment } from '../../environment/commandEnvironment';

export interface TestCommandOptions {
  cwd: string;
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
  /** Interleaved stdout and stderr, capped. */
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
 * Runs a project's command (its test command, its setup command) through the shell in `cwd`, with the
 * environment every command on a checkout gets. The command gets its own process group
 * so a timeout or cancellation stops everything it started, not just the shell.
 */
export function runTestCommand(command: string, options: TestCommandOptions): Promise<TestCommandResult> {
  return new Promise((resolve, reject) => {
    const output = new CappedOutput(options.maxOutputChars);
    const child = spawn(command, {
      cwd: options.cwd,
      shell: true,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: commandEnvironment(),
    });
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
      resolve({ passed: code === 0 && !timedOut, exitCode: code, timedOut, output: output.text() });
    });
  });
}
