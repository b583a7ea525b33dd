import { ApplicationFailure } from '@temporalio/common';
import type { ModelClient } from './modelClient';

/** The failure types of a provider that is down, overloaded or limiting us: waited out, never the task's fault. */
const outageFailureTypes: ReadonlySet<string> = new Set(['ModelRateLimited', 'ModelUnavailable']);

/** How long a project waits out a provider's outage before it pauses itself, unless its limits say otherwise. */
export const defaultOutageBudgetMinutes = 180;

export function isOutageFailure(err: unknown): err is ApplicationFailure {
  return err instanceof ApplicationFailure && !err.nonRetryable && outageFailureTypes.has(err.type ?? '');
}

export interface OutageHooks {
  /** How long one outage is waited out before `onBudgetSpent`; the waiting goes on after it. */
  budgetMs: number;
  /** When an outage an earlier attempt was waiting out began (epoch ms). */
  since?: number | undefined;
  signal: AbortSignal;
  /** Before each wait: what failed, how long the wait is, how long the outage has lasted. */
  onWait(failure: ApplicationFailure, waitMs: number, outageMs: number): void;
  /** Once per outage, when it outlasts the budget. Must not throw. */
  onBudgetSpent(failure: ApplicationFailure, since: number): Promise<void>;
  /** When a call succeeds after `onBudgetSpent`. Must not throw. */
  onRecovered(since: number): Promise<void>;
}

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/** One second doubling to a minute: quick through a blip, a probe a minute through a long outage. */
export const defaultBackoff: Backoff = Object.freeze({ initialMs: 1_000, maxMs: 60_000 });

/**
 * Waits out a provider's transient failures (429, 5xx, 529, network errors, timeouts) inside the
 * agent's own model call, so the turns already done are never paid for again and the task's attempts
 * are left for its own failures. Backoff doubles with jitter and never undercuts the server's
 * `retry-after`; an outage is timed from its first failure, across attempts (`since`).
 */
export class OutageGuard {
  /** When the current outage began; undefined while the provider answers. */
  since: number | undefined;
  /** Time spent waiting in this attempt: not working time. */
  waitedMs = 0;
  private failures = 0;
  private reported = false;

  constructor(
    private readonly hooks: OutageHooks,
    private readonly backoff: Backoff = defaultBackoff,
  ) {
    this.since = hooks.since;
    // An outage an earlier attempt already reported: its end must be reported from here.
    this.reported = hooks.since !== undefined && Date.now() - hooks.since >= hooks.budgetMs;
  }

  wrap(client: ModelClient): ModelClient {
    return { provider: client.provider, complete: (req) => this.call(() => client.complete(req)) };
  }

  async call<T>(attempt: () => Promise<T>): Promise<T> {
    for (;;) {
      let failure: ApplicationFailure;
      try {
        const result = await attempt();
        await this.recovered();
        return result;
      } catch (err) {
        if (!isOutageFailure(err) || this.hooks.signal.aborted) throw err;
        failure = err;
      }
      const now = Date.now();
      this.since ??= now;
      const outageMs = now - this.since;
      if (outageMs >= this.hooks.budgetMs && !this.reported) {
        this.reported = true;
        await this.hooks.onBudgetSpent(failure, this.since);
      }
      const waitMs = this.nextWait(failure);
      this.hooks.onWait(failure, waitMs, outageMs);
      const slept = Date.now();
      await sleepUnlessAborted(waitMs, this.hooks.signal);
      this.waitedMs += Date.now() - slept;
    }
  }

  private nextWait(failure: ApplicationFailure): number {
    const base = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    // Half fixed, half random, so many agents hit by the same outage do not retry in step.
    const jittered = base / 2 + Math.random() * (base / 2);
    const asked = typeof failure.nextRetryDelay === 'number' ? failure.nextRetryDelay : 0;
    return Math.ceil(Math.max(jittered, asked));
  }

  private async recovered(): Promise<void> {
    const since = this.since;
    this.since = undefined;
    this.failures = 0;
    if (this.reported && since !== undefined) {
      this.reported = false;
      await this.hooks.onRecovered(since);
    }
  }
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it is aborted. */
function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
