import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isOwnerAlive, newOwner, readOwner, retireOwner, writeOwner, type OwnerRecord } from './ownerRecord';

export interface FileLockOptions {
  /** Give up waiting after this long. */
  timeoutMs?: number;
  /** A holder whose heartbeat is older than this is presumed dead, even if its pid was reused. */
  staleMs?: number;
  /** Longest pause between attempts while another process holds the lock. */
  maxPollMs?: number;
}

export class LockTimeoutError extends Error {
  constructor(
    readonly lockDir: string,
    readonly waitedMs: number,
    readonly holder: OwnerRecord | undefined,
  ) {
    super(`timed out after ${waitedMs} ms waiting for lock ${lockDir}` + (holder ? ` held by pid ${holder.pid} on ${holder.host}` : ''));
    this.name = 'LockTimeoutError';
  }
}

export interface HeldLock {
  release(): Promise<void>;
}

const ownerFileName = 'owner.json';
/** The breaker mutex is held for a few file operations only; older than this it is debris. */
const breakerStaleMs = 10_000;

/** Serialises holders inside one process so they queue instead of polling the file system. */
const localQueues = new Map<string, Promise<void>>();

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A cross-process mutex: an atomic `mkdir` of a lock directory holding the owner's pid, host and
 * token. The holder refreshes the owner file's mtime while it holds the lock, so a lock whose holder
 * died (pid gone) or stopped heartbeating (hung machine, reused pid) is broken by the next waiter.
 */
export class FileLock {
  private readonly timeoutMs: number;
  private readonly staleMs: number;
  private readonly maxPollMs: number;

  constructor(
    readonly lockDir: string,
    options: FileLockOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 5 * 60_000;
    this.staleMs = options.staleMs ?? 30_000;
    this.maxPollMs = options.maxPollMs ?? 50;
  }

  async withLock<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const held = await this.acquire(signal);
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      await held.release();
      throw error;
    }
    await held.release();
    return result;
  }

  async acquire(signal?: AbortSignal): Promise<HeldLock> {
    const started = Date.now();
    // Queue behind holders in this process first.
    const previous = localQueues.get(this.lockDir) ?? Promise.resolve();
    let leaveQueue: () => void = () => undefined;
    const ours = new Promise<void>((resolve) => (leaveQueue = resolve));
    const chained = previous.then(() => ours);
    localQueues.set(this.lockDir, chained);
    const cleanupQueue = (): void => {
      leaveQueue();
      if (localQueues.get(this.lockDir) === chained) localQueues.delete(this.lockDir);
    };
    try {
      await this.waitLocal(previous, started, signal);
      const owner = await this.acquireOnDisk(started, signal);
      return this.held(owner, cleanupQueue);
    } catch (error) {
      cleanupQueue();
      throw error;
    }
  }

  private async waitLocal(previous: Promise<void>, started: number, signal?: AbortSignal): Promise<void> {
    const remaining = this.timeoutMs - (Date.now() - started);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, remaining));
    });
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<'aborted'>((resolve) => {
      onAbort = () => resolve('aborted');
      if (signal?.aborted) resolve('aborted');
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    const outcome = await Promise.race([previous.then(() => 'ok' as const), timedOut, aborted]);
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    if (outcome === 'timeout') {
      throw new LockTimeoutError(this.lockDir, Date.now() - started, await readOwner(this.ownerFile()));
    }
    if (outcome === 'aborted') throw signal?.reason ?? new Error('aborted');
  }

  private ownerFile(): string {
    return path.join(this.lockDir, ownerFileName);
  }

  private async acquireOnDisk(started: number, signal?: AbortSignal): Promise<OwnerRecord> {
    await fs.mkdir(path.dirname(this.lockDir), { recursive: true });
    let pause = 2;
    for (;;) {
      signal?.throwIfAborted();
      let created = false;
      try {
        await fs.mkdir(this.lockDir);
        created = true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      if (created) {
        const owner = newOwner();
        try {
          await writeOwner(this.ownerFile(), owner);
          return owner;
        } catch (error) {
          // Do not leave an ownerless lock behind for others to wait out.
          retireOwner(owner);
          await fs.rm(this.lockDir, { recursive: true, force: true });
          throw error;
        }
      }
      await this.breakIfStale();
      const waited = Date.now() - started;
      if (waited >= this.timeoutMs) {
        throw new LockTimeoutError(this.lockDir, waited, await readOwner(this.ownerFile()));
      }
      // Jitter keeps waiting processes from retrying in lock step.
      await sleep(pause * (0.5 + Math.random()));
      pause = Math.min(this.maxPollMs, pause * 2);
    }
  }

  private held(owner: OwnerRecord, leaveQueue: () => void): HeldLock {
    let heartbeatError: unknown;
    const heartbeat = setInterval(
      () => {
        const now = new Date();
        fs.utimes(this.ownerFile(), now, now).catch((error: unknown) => {
          // Reported on release; a vanished lock is detected there anyway.
          heartbeatError ??= error;
        });
      },
      Math.max(1_000, Math.floor(this.staleMs / 3)),
    );
    heartbeat.unref();
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(heartbeat);
        retireOwner(owner);
        try {
          const current = await readOwner(this.ownerFile());
          if (!current || current.token !== owner.token) {
            throw new Error(
              `lock ${this.lockDir} was broken while held` +
                (current ? ` (now held by pid ${current.pid})` : '') +
                (heartbeatError instanceof Error ? `: ${heartbeatError.message}` : ''),
            );
          }
          await fs.rm(this.lockDir, { recursive: true, force: true });
        } finally {
          leaveQueue();
        }
      },
    };
  }

  /** Removes the lock directory when its holder is gone, serialised through a breaker mutex. */
  private async breakIfStale(): Promise<void> {
    const judged = await this.staleState();
    if (!judged.stale) return;
    const breaker = `${this.lockDir}.break`;
    try {
      await fs.mkdir(breaker);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      await this.removeIfOlder(breaker, breakerStaleMs);
      return;
    }
    try {
      // Re-check under the breaker: only the stale holder we judged may be removed.
      const again = await this.staleState();
      if (again.stale && again.token === judged.token) {
        await fs.rm(this.lockDir, { recursive: true, force: true });
      }
    } finally {
      await fs.rm(breaker, { recursive: true, force: true });
    }
  }

  private async staleState(): Promise<{ stale: boolean; token?: string }> {
    const owner = await readOwner(this.ownerFile());
    const stamp = await this.mtime(owner ? this.ownerFile() : this.lockDir);
    if (stamp === undefined) return { stale: false };
    const age = Date.now() - stamp;
    if (!owner) return { stale: age > this.staleMs };
    return { stale: !isOwnerAlive(owner) || age > this.staleMs, token: owner.token };
  }

  private async mtime(file: string): Promise<number | undefined> {
    try {
      return (await fs.stat(file)).mtimeMs;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  private async removeIfOlder(dir: string, ageMs: number): Promise<void> {
    const stamp = await this.mtime(dir);
    if (stamp !== undefined && Date.now() - stamp > ageMs) {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }
}
