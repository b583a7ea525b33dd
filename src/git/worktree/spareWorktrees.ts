import { randomUUID } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { forgetEnvironment } from '../../environment/prepareCheckout';
import type { Git } from '../core/gitRunner';
import { privateGitDir } from './privateGitDir';
import type { RepoCache } from '../source/repoCache';

/**
 * Worktrees kept after their task ended, clean and detached, for the next task of this machine. A
 * fresh worktree writes every file of the repository, which on a large repository (or sixteen tasks
 * starting at once) costs seconds of a busy machine's time; a kept one only rewrites the files that
 * differ from the new task's start. Kept worktrees hold no branch, no untracked or ignored files
 * and no setup output (a copied `.venv/` names the checkout's path, which changes with the task), so
 * a task that gets one starts exactly as in a fresh worktree.
 */
export interface SpareWorktreeSettings {
  /** How many kept worktrees a cache holds at most; 0 turns keeping off. */
  spareWorktrees: number;
}

function keptAt(name: string): number {
  return Number(name.slice(0, name.indexOf('-')));
}

function spareDirOf(cache: RepoCache): string {
  return path.join(cache.root, 'spare');
}

/** Kept worktrees' names, newest first: `<ms since epoch>-<uuid>`, from when each was kept. */
async function spareNames(cache: RepoCache): Promise<string[]> {
  try {
    const names = (await fs.readdir(spareDirOf(cache))).filter((name) => /^\d+-/.test(name));
    return names.sort((a, b) => keptAt(b) - keptAt(a));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Whether a kept worktree is there to be claimed. */
export async function hasSpare(cache: RepoCache): Promise<boolean> {
  return (await spareNames(cache)).length > 0;
}

/** Whether a worktree about to be retired may be kept: a cheap check, the cap is enforced again by the sweep. */
export async function hasRoomForSpare(cache: RepoCache, settings: SpareWorktreeSettings): Promise<boolean> {
  return settings.spareWorktrees > 0 && (await spareNames(cache)).length < settings.spareWorktrees;
}

/**
 * Empties a task's worktree for keeping: detached at `commit` (a target head, so the branch is free
 * to delete or to be checked out by a retry), with nothing git does not track. Needs no lock.
 */
export async function emptyForSpare(git: Git, dir: string, worktreeGitDir: string, commit: string): Promise<void> {
  await git(['checkout', '--quiet', '--force', '--detach', commit]);
  await forgetEnvironment({ dir, git, worktreeGitDir });
  // -x: ignored files too (build output, caches), which a fresh checkout would not have.
  await git(['clean', '-ffdxq']);
}

/**
 * Moves a worktree as `git worktree move` does (the directory, then the path its private git
 * directory records for it, `gitdir`), without a git process: a busy machine moves worktrees in and
 * out of the spares inside the cache lock, where every git process is waited for by every task
 * opening. Returns false, moving nothing, when `from` is not a worktree of this cache. Hold the
 * cache lock: a concurrent prune must never see a worktree half-moved.
 */
async function moveWorktreeLocked(cache: RepoCache, from: string, to: string): Promise<boolean> {
  let adminDir: string;
  try {
    adminDir = await privateGitDir(from);
    const recorded = (await fs.readFile(path.join(adminDir, 'gitdir'), 'utf8')).trim();
    if (path.resolve(recorded) !== path.resolve(from, '.git') || path.dirname(adminDir) !== path.join(cache.gitDir, 'worktrees'))
      return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  await fs.rename(from, to);
  const record = path.join(adminDir, 'gitdir');
  await fs.writeFile(`${record}.tmp`, `${path.join(to, '.git')}\n`);
  await fs.rename(`${record}.tmp`, record);
  return true;
}

/** Moves an emptied worktree among the spares. Hold the cache lock. */
export async function keepSpareLocked(cache: RepoCache, dir: string): Promise<boolean> {
  await fs.mkdir(spareDirOf(cache), { recursive: true });
  return moveWorktreeLocked(cache, dir, path.join(spareDirOf(cache), `${Date.now()}-${randomUUID()}`));
}

/**
 * Moves a kept worktree to `dir`, still detached (its task puts it on its branch after the lock), or
 * returns false when there is none. Hold the cache lock.
 */
export async function claimSpareLocked(cache: RepoCache, dir: string): Promise<boolean> {
  for (const name of await spareNames(cache)) {
    const spare = path.join(spareDirOf(cache), name);
    if (await moveWorktreeLocked(cache, spare, dir)) return true;
    // Not a worktree any more (a crash mid-move): debris.
    await removeSpareLocked(cache, spare);
  }
  return false;
}

async function removeSpareLocked(cache: RepoCache, spare: string): Promise<void> {
  await cache.git(['worktree', 'remove', '--force', '--', spare], { allowFailure: true });
  await fs.rm(spare, { recursive: true, force: true });
}

/**
 * Removes spares beyond the cap or unused for `idleMs`, and spare directories git no longer knows.
 * Hold the cache lock.
 */
export async function pruneSparesLocked(cache: RepoCache, settings: SpareWorktreeSettings & { spareIdleMs: number }): Promise<void> {
  const names = await spareNames(cache);
  if (names.length === 0) return;
  const registered = new Set((await cache.listWorktrees()).map((entry) => path.resolve(entry.path)));
  let kept = 0;
  for (const name of names) {
    const spare = path.join(spareDirOf(cache), name);
    const known = registered.has(path.resolve(spare)) && existsSync(path.join(spare, '.git'));
    if (known && kept < settings.spareWorktrees && Date.now() - keptAt(name) <= settings.spareIdleMs) kept++;
    else await removeSpareLocked(cache, spare);
  }
}
