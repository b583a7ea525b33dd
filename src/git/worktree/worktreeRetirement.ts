import { randomUUID } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { GitFailureType, gitFailure } from '../core/gitFailures';
import type { RepoCache } from '../source/repoCache';
import { keepSpareLocked } from './spareWorktrees';

/** `kept`: the worktree was moved among the spares, so there is nothing to prune for it. */
const RetirementItem = z.object({ branch: z.string().optional(), kept: z.boolean().optional() });

function retirementDir(cache: RepoCache): string {
  return path.join(cache.root, 'retiring');
}

/**
 * Unregisters a task worktree whose directory is already deleted, and deletes its branch unless the
 * branch holds work to keep. Both rewrite shared cache state (the worktree list, packed-refs), so they
 * run under the cache lock, batched: each caller files an item and takes the lock, and whoever holds
 * it prunes every vanished worktree and deletes every filed branch with one git call each. A caller
 * whose item was handled while it waited leaves at once. Returns once its worktree is unregistered.
 * The hold is shared with the process's other retirements and worktree registrations. A worktree
 * emptied for keeping (`spare`, still in place) is moved among the spares in the same hold instead;
 * returns whether it was.
 */
export async function retireWorktree(cache: RepoCache, branch: string | undefined, spare?: string): Promise<boolean> {
  const dir = retirementDir(cache);
  await fs.mkdir(dir, { recursive: true });
  const item = path.join(dir, `${randomUUID()}.json`);
  await fs.writeFile(`${item}.tmp`, JSON.stringify({ branch, kept: spare !== undefined }));
  await fs.rename(`${item}.tmp`, item);
  return cache.sharedHolds.run(async () => {
    const kept = spare !== undefined && (await keepSpareLocked(cache, spare));
    if (existsSync(item)) await processRetirementsLocked(cache);
    return kept;
  });
}

/** Prunes vanished worktrees (if any item is of one, or `alwaysPrune`) and deletes every filed branch. Hold the cache lock. */
export async function processRetirementsLocked(cache: RepoCache, alwaysPrune = false): Promise<void> {
  const dir = retirementDir(cache);
  let files: string[];
  try {
    files = (await fs.readdir(dir)).filter((name) => name.endsWith('.json'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') files = [];
    else throw error;
  }
  const branches = new Set<string>();
  let prune = alwaysPrune;
  for (const name of files) {
    const parsed = RetirementItem.safeParse(JSON.parse(await fs.readFile(path.join(dir, name), 'utf8')));
    if (parsed.success && parsed.data.branch) branches.add(parsed.data.branch);
    if (!parsed.success || parsed.data.kept !== true) prune = true;
  }
  // Verbose so git reports what it pruned (simple-git also returns sooner from a non-silent git).
  if (prune) await cache.git(['worktree', 'prune', '--verbose']);
  if (branches.size > 0) {
    const deleted = await cache.git(['branch', '-D', '--', ...branches], { allowFailure: true });
    // A branch already gone (a retried retirement) or checked out again (a retry of the task picked
    // it up) is left alone; anything else is a real failure.
    const problems = deleted.stderr
      .split('\n')
      .filter((line) => line.trim() && !/branch '.*' not found|checked out at|used by worktree/i.test(line));
    if (deleted.exitCode !== 0 && problems.length > 0) {
      throw gitFailure(GitFailureType.gitFailed, `deleting task branches failed: ${problems.join('; ').slice(0, 1_000)}`);
    }
  }
  await Promise.all(files.map((name) => fs.rm(path.join(dir, name), { force: true })));
}
