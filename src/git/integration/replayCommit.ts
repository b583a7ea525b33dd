import type { Git } from '../core/gitRunner';
import { requireSha } from '../core/names';

export type ReplayOutcome =
  /** The replayed commit (not checked out anywhere) and its tree. */
  | { kind: 'replayed'; commit: string; tree: string }
  /** The change is already fully in `onto`. */
  | { kind: 'empty' }
  /** Needs a worktree: conflicts, or a git too old for `merge-tree --write-tree` (before 2.38). */
  | { kind: 'needs_worktree' };

/**
 * Replays the single commit `commit` (built on an ancestor of `onto`) onto `onto` entirely in the
 * object database: `merge-tree --write-tree` merges without touching any worktree, `commit-tree`
 * records the result. Inside the integration critical section this replaces a rebase, which would
 * rewrite files in the worktree while other workers wait.
 */
export async function replayCommit(
  git: Git,
  commit: string,
  onto: string,
  ontoTree: string,
  /** The replayed commit's full message; author and committer come from `git`'s identity. */
  messageFile: string,
  /** `commit`'s committer date, when the caller has it already. */
  knownDate?: string,
): Promise<ReplayOutcome> {
  const merged = await git(['merge-tree', '--write-tree', '--no-messages', onto, commit], { allowFailure: true });
  // Exit 1 is a conflicted merge; anything else non-zero means this git cannot do it.
  if (merged.exitCode !== 0) return { kind: 'needs_worktree' };
  const tree = requireSha(merged.stdout.split('\n', 1)[0], 'the merged tree');
  if (tree === ontoTree) return { kind: 'empty' };
  // Dated as the task's own commit: the same batch replayed on the same head makes the same commits,
  // so a batch tested on top of the one before it still fits once that one has landed.
  const date = knownDate ?? (await git(['show', '-s', '--format=%cI', commit])).stdout.trim();
  const made = await git(['commit-tree', tree, '-p', onto, '-F', messageFile], { commitDate: date });
  return { kind: 'replayed', commit: requireSha(made.stdout, 'the replayed commit'), tree };
}
