import type { ChildProcessByStdio } from 'child_process';
import type { Readable } from 'stream';
import type { CommandSandboxing } from '../../sandbox/sandboxes';
import { spawnSandboxed } from '../../sandbox/spawnSandboxed';
import { redactSecrets } from '../../secrets/redactSecrets';

export interface ShellRequest {
  command: string;
  cwd: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** How much of the combined stdout/stderr to keep (start and end). */
  maxOutputChars: number;
  /** Where the command runs: every command on a checkout goes through a sandbox (or an explicit "off"). */
  sandboxing: CommandSandboxing;
}

export interface ShellResult {
  exitCode: number | null;
  /** The signal that ended the process, when it did not exit by itself. */
  killedBy: string | null;
  timedOut: boolean;
  aborted: boolean;
  /** With every secret value of the worker's environment redacted. */
  output: string;
  durationMs: number;
}

/** Grace between SIGTERM and SIGKILL for a process group being stopped. */
const KILL_GRACE_MS = 2_000;

/** Keeps the first and last parts of a stream of text in bounded memory, however much arrives. */
class BoundedOutput {
  private head = '';
  private tail = '';
  private dropped = 0;
  constructor(
    private readonly headMax: number,
    private readonly tailMax: number,
  ) {}

  push(chunk: string): void {
    if (this.head.length < this.headMax) {
      const room = this.headMax - this.head.length;
      this.head += chunk.slice(0, room);
      chunk = chunk.slice(room);
    }
    if (chunk.length === 0) return;
    this.tail += chunk;
    if (this.tail.length > this.tailMax * 2) this.trimTail();
  }

  private trimTail(): void {
    const excess = this.tail.length - this.tailMax;
    if (excess > 0) {
      this.dropped += excess;
      this.tail = this.tail.slice(excess);
    }
  }

  toString(): string {
    this.trimTail();
    if (this.dropped === 0) return this.head + this.tail;
    return `${this.head}\n… [${this.dropped} characters of output truncated] …\n${this.tail}`;
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    // ESRCH: the group is already gone, which is what we wanted.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/**
 * Runs a shell command in its own process group, so a timeout or a cancellation stops everything it
 * started, not just the shell. Processes the command leaves running in the background are stopped when
 * the shell exits: nothing an agent starts may outlive its tool call.
 */
export async function runShell(req: ShellRequest): Promise<ShellResult> {
  const started = Date.now();
  if (req.signal?.aborted) {
    return { exitCode: null, killedBy: null, timedOut: false, aborted: true, output: '', durationMs: 0 };
  }
  const child = await spawnSandboxed(req.sandboxing, req.command, req.cwd);
  return watchShell(child, req, started);
}

function watchShell(child: ChildProcessByStdio<null, Readable, Readable>, req: ShellRequest, started: number): Promise<ShellResult> {
  return new Promise<ShellResult>((resolve, reject) => {
    const output = new BoundedOutput(Math.floor(req.maxOutputChars * 0.4), Math.ceil(req.maxOutputChars * 0.6));
    let timedOut = false;
    let aborted = false;
    let exitCode: number | null = null;
    let killedBy: string | null = null;
    let graceTimer: NodeJS.Timeout | undefined;

    const stop = (): void => {
      if (child.pid === undefined) return;
      killGroup(child.pid, 'SIGTERM');
      const pid = child.pid;
      graceTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), KILL_GRACE_MS);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, req.timeoutMs);
    const onAbort = (): void => {
      aborted = true;
      stop();
    };
    req.signal?.addEventListener('abort', onAbort, { once: true });
    // Preparing the sandbox takes a moment: a cancellation may already have arrived.
    if (req.signal?.aborted) onAbort();

    child.stdout.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
    child.on('error', (err) => {
      clearTimeout(timer);
      if (graceTimer) clearTimeout(graceTimer);
      req.signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      exitCode = code;
      killedBy = signal;
      // Background children would otherwise keep the pipes open (and the call hanging) indefinitely.
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
    });
    child.on('close', () => {
      clearTimeout(timer);
      if (graceTimer) clearTimeout(graceTimer);
      req.signal?.removeEventListener('abort', onAbort);
      resolve({ exitCode, killedBy, timedOut, aborted, output: redactSecrets(output.toString()), durationMs: Date.now() - started });
    });
  });
}
