import path from 'node:path';
import { FileLock, LockTimeoutError } from '../../src/git/locks/fileLock';
import { SharedLockHolds } from '../../src/git/locks/sharedLockHolds';
import { removeDir, tempDir } from '../support/gitFixtures';

describe('shared holds of a lock', () => {
  let root: string;
  beforeEach(() => {
    root = tempDir('shared-holds');
  });
  afterEach(() => removeDir(root));

  /** Shared holds of a real lock, counting how often it is taken. */
  function sharedHolds(timeoutMs = 10_000): { holds: SharedLockHolds; taken: () => number } {
    const lock = new FileLock(path.join(root, 'cache.lock'), { timeoutMs });
    let taken = 0;
    const holds = new SharedLockHolds((fn) => {
      taken++;
      return lock.withLock(fn);
    });
    return { holds, taken: () => taken };
  }

  it('runs the jobs that joined during a hold in one next hold, one at a time, in the order they joined', async () => {
    const { holds, taken } = sharedHolds();
    const order: number[] = [];
    let running = 0;
    let mostAtOnce = 0;
    const job = (index: number) => async () => {
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push(index);
      running--;
      return index * 10;
    };
    // The first job takes the lock at once; the nine that join while it runs share the second hold.
    const results = await Promise.all(Array.from({ length: 10 }, (_, index) => holds.run(job(index))));
    expect(results).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(mostAtOnce).toBe(1);
    expect(taken()).toBe(2);
    // Later work takes the lock again.
    await expect(holds.run(async () => 'later')).resolves.toBe('later');
    expect(taken()).toBe(3);
  });

  it('fails only the job that failed; the others of its hold keep their results', async () => {
    const { holds } = sharedHolds();
    const outcomes = await Promise.allSettled([
      holds.run(async () => 'first'),
      holds.run(async () => {
        throw new Error('this job broke');
      }),
      holds.run(async () => 'third'),
    ]);
    expect(outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : String(outcome.reason)))).toEqual([
      'first',
      'Error: this job broke',
      'third',
    ]);
  });

  it('fails every job of a hold when the lock cannot be taken, and runs none of them', async () => {
    const other = await new FileLock(path.join(root, 'cache.lock')).acquire();
    const { holds } = sharedHolds(200);
    let ran = 0;
    const outcomes = await Promise.allSettled([1, 2, 3].map(() => holds.run(async () => ran++)));
    expect(outcomes.map((outcome) => outcome.status === 'rejected' && outcome.reason instanceof LockTimeoutError)).toEqual([
      true,
      true,
      true,
    ]);
    expect(ran).toBe(0);
    await other.release();
    await expect(holds.run(async () => 'free again')).resolves.toBe('free again');
  });
});
