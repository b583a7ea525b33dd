import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { gitIn } from '../core/gitRunner';
import { isOwnerAlive, readOwner } from '../locks/ownerRecord';
import type { EnvironmentStore } from '../../environment/environmentStore';
import type { ReadOnlyViews } from './readOnlyView';
import type { RepoCache } from '../source/repoCache';
import { ownerFileOf, parkUncommittedWork } from './taskWorktree';
import { processRetirementsLocked } from './worktreeRetirement';
import { pruneSparesLocked, type SpareWorktreeSettings } from './spareWorktrees';

export interface StaleCleanupSettings extends SpareWorktreeSettings {
  /** Kept worktrees unused this long are deleted. */
  spareIdleMs: number;
  /** A task worktree whose process died is kept this long for a retry to adopt, then parked and removed. */
  staleWorktreeMs: number;
  /** Task branches (parked unfinished work) untouched this long are deleted. */
  staleBranchMs: number;
  /** Prepared setups unused this long are deleted. */
  environmentIdleMs: number;
}

/** Queue files live for one integration; an hour-old one belongs to a process that died. */
const queueLeftoverMs = 3_600_000;

async function mtimeOrUndefined(file: string): Promise<number | undefined> {
  try {
    return (await fs.stat(file)).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Clears what crashed processes left in a repository cache: `git worktree prune` for vanished
 * directories, task worktrees whose owner died long enough ago (their uncommitted work is first parked
 * on the task branch), directories that never became worktrees, kept worktrees beyond their cap or
 * idle, idle read-only views, idle prepared setups, and old task branches. Takes the cache lock once.
 */
export async function cleanStale(
  cache: RepoCache,
  views: ReadOnlyViews,
  environments: EnvironmentStore,
  settings: StaleCleanupSettings,
): Promise<void> {
  await cache.withLock(async () => {
    await processRetirementsLocked(cache, true);
    const worktrees = await cache.listWorktrees();
    const taskWorktrees = worktrees.filter((entry) => path.dirname(path.resolve(entry.path)) === cache.tasksDir);
    const registered = new Set(taskWorktrees.map((entry) => path.basename(entry.path)));

    for (const entry of taskWorktrees) {
      const owner = await readOwner(ownerFileOf(entry.path));
      if (owner && isOwnerAlive(owner)) continue;
      const since = owner?.createdAt ?? (await mtimeOrUndefined(entry.path)) ?? 0;
      if (Date.now() - since < settings.staleWorktreeMs) continue;
      await parkUncommittedWork(gitIn(entry.path, cache.settings.identity), path.basename(entry.path));
      await cache.git(['worktree', 'remove', '--force', '--', entry.path]);
      await fs.rm(ownerFileOf(entry.path), { force: true });
    }

    // Worktrees are only created under this lock, so anything unregistered now is debris.
    for (const name of await fs.readdir(cache.tasksDir)) {
      const base = name.replace(/\.owner\.json$/, '');
      if (registered.has(base) && existsSync(path.join(cache.tasksDir, base))) continue;
      await fs.rm(path.join(cache.tasksDir, name), { recursive: true, force: true });
    }

    await pruneSparesLocked(cache, settings);
    await views.pruneLocked();
    await environments.pruneLocked(settings.environmentIdleMs);

    const checkedOut = new Set((await cache.listWorktrees()).map((entry) => entry.branch));
    const { stdout } = await cache.git(['for-each-ref', '--format=%(refname)%09%(committerdate:unix)', 'refs/heads/longhaul/']);
    const expired = stdout
      .split('\n')
      .map((line) => line.split('\t'))
      .filter(([ref, date]) => ref && !checkedOut.has(ref) && Date.now() - Number(date) * 1_000 > settings.staleBranchMs)
      .map(([ref]) => ref.slice('refs/heads/'.length));
    if (expired.length > 0) await cache.git(['branch', '-D', '--', ...expired]);

    // Integration requests and outcomes of tasks that died mid-integration.
    const queueRoot = path.join(cache.root, 'queue');
    if (existsSync(queueRoot)) {
      for (const target of await fs.readdir(queueRoot)) {
        for (const name of await fs.readdir(path.join(queueRoot, target))) {
          const file = path.join(queueRoot, target, name);
          const stamp = await mtimeOrUndefined(file);
          if (stamp !== undefined && Date.now() - stamp > queueLeftoverMs) await fs.rm(file, { force: true });
        }
      }
    }
  });
}
