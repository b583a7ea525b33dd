interface Job {
  run: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Lets short jobs that need one lock share its holds: a job that finds a hold under way waits for
 * the next one, which runs every job that joined meanwhile, one after another, in the order they
 * joined. On a busy machine taking and releasing a cross-process lock costs more than a job such as
 * registering a worktree, so a burst of task openings would otherwise queue for the lock one by one.
 * A job's failure is its own; a failure to take the lock fails every job of that hold.
 */
export class SharedLockHolds {
  private waiting: Job[] = [];
  private draining = false;

  constructor(private readonly withLock: (fn: () => Promise<void>) => Promise<void>) {}

  run<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ run: fn, resolve: resolve as (value: unknown) => void, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.waiting.length > 0) {
        const jobs = this.waiting;
        this.waiting = [];
        const outcomes: PromiseSettledResult<unknown>[] = [];
        try {
          await this.withLock(async () => {
            for (const job of jobs) {
              try {
                outcomes.push({ status: 'fulfilled', value: await job.run() });
              } catch (error) {
                outcomes.push({ status: 'rejected', reason: error });
              }
            }
          });
        } catch (error) {
          // Taking or releasing the lock failed: no job of this hold can count on having held it.
          for (const job of jobs) job.reject(error);
          continue;
        }
        jobs.forEach((job, index) => {
          const outcome = outcomes[index];
          if (outcome.status === 'fulfilled') job.resolve(outcome.value);
          else job.reject(outcome.reason);
        });
      }
    } finally {
      this.draining = false;
    }
  }
}
