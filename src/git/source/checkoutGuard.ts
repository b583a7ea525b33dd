import { GitFailureType, gitFailure } from '../core/gitFailures';
import { gitIn, type GitIdentity } from '../core/gitRunner';
import type { RepoSource } from './repoSource';
import { sourceFailure } from './sourceErrors';

/**
 * Protects a user's working tree when they name the branch they have checked out as the target.
 *
 * Policy: a checked-out target with local changes (tracked or untracked) is refused outright. A clean
 * one is updated with git's own `receive.denyCurrentBranch=updateInstead`, which moves the branch and
 * its working tree together and refuses, atomically inside git, if the tree became dirty meanwhile.
 * Branches nobody has checked out (the default `longhaul/<projectId>`) never touch a working tree.
 */
export interface CheckoutGuard {
  /** The working tree where the target is checked out, if any. */
  checkedOutAt?: string;
}

const maxListedChanges = 8;

/** Where `branch` is checked out in a local source repository, if anywhere. */
export async function findCheckout(source: RepoSource, branch: string, identity: GitIdentity): Promise<string | undefined> {
  if (source.localPath === undefined) return undefined;
  const git = gitIn(source.localPath, identity);
  let stdout: string;
  try {
    ({ stdout } = await git(['worktree', 'list', '--porcelain', '-z']));
  } catch (error) {
    // The repository went away (or never was one): say so in the source's terms.
    throw sourceFailure(source, error);
  }
  let currentPath: string | undefined;
  for (const field of stdout.split('\0')) {
    if (field.startsWith('worktree ')) currentPath = field.slice('worktree '.length);
    else if (field === `branch refs/heads/${branch}` && currentPath !== undefined) return currentPath;
  }
  return undefined;
}

/** Paths with local changes in a user's working tree, read without refreshing their index. */
export async function localChanges(worktreePath: string, identity: GitIdentity): Promise<string[]> {
  const git = gitIn(worktreePath, identity);
  const { stdout } = await git(['--no-optional-locks', 'status', '--porcelain', '-z', '--untracked-files=all']);
  const fields = stdout.split('\0');
  const paths: string[] = [];
  for (let index = 0; index < fields.length; index++) {
    const entry = fields[index];
    if (entry.length < 4) continue;
    paths.push(entry.slice(3));
    // Renames and copies carry their source path as an extra field.
    if (entry[0] === 'R' || entry[0] === 'C') index++;
  }
  return paths;
}

/** Refuses (non-retryable) when the target is checked out with local changes. */
export async function guardTargetCheckout(source: RepoSource, targetBranch: string, identity: GitIdentity): Promise<CheckoutGuard> {
  const checkedOutAt = await findCheckout(source, targetBranch, identity);
  if (checkedOutAt === undefined) return {};
  const changes = await localChanges(checkedOutAt, identity);
  if (changes.length > 0) throw dirtyTargetFailure(targetBranch, checkedOutAt, changes);
  return { checkedOutAt };
}

export function dirtyTargetFailure(targetBranch: string, checkedOutAt: string, changes: readonly string[]): Error {
  const listed = changes.slice(0, maxListedChanges).join(', ');
  const more = changes.length > maxListedChanges ? ` and ${changes.length - maxListedChanges} more` : '';
  return gitFailure(
    GitFailureType.dirtyTargetBranch,
    `target branch "${targetBranch}" is checked out in ${checkedOutAt}, which has local changes ` +
      `(${listed}${more}); longhaul never overwrites a working tree. Commit or stash those changes, ` +
      `or choose another target branch (the default longhaul/<projectId> leaves your checkout alone).`,
  );
}
