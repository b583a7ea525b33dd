import { GitFailureType, gitFailure } from '../core/gitFailures';
import type { Git } from '../core/gitRunner';
import type { RepoSource } from './repoSource';
import { sourceFailure } from './sourceErrors';

export type PushOutcome =
  | { kind: 'pushed' }
  /** The target was not at `expected` any more: fetch and try again from the new head. */
  | { kind: 'race'; reason: string }
  /** The source refused to move a checked-out branch (its working tree is not clean). */
  | { kind: 'refused_checkout'; reason: string };

export interface PushRequest {
  git: Git;
  source: RepoSource;
  commit: string;
  targetBranch: string;
  /** The head the commit was built on; null when the branch must not exist yet. */
  expected: string | null;
  /** The target is checked out in the source's (clean) working tree: update it along with the ref. */
  updateCheckout: boolean;
  signal?: AbortSignal;
}

const racePattern = /stale info|fetch first|non-fast-forward|cannot lock ref|failed to update ref|incorrect old value|already exists/i;
const checkoutPattern =
  /currently checked out|refusing to update checked out|unstaged changes|uncommitted changes|could not update working tree|up-to-date check failed|working directory/i;

/**
 * Compare-and-swap of the source's target branch: `--force-with-lease` with an explicit expected sha
 * makes git reject the update unless the branch is exactly where this commit was built, and the
 * receiving side re-checks the old value under its ref lock. Pushing by URL (not the remote name)
 * keeps the shared cache's remote-tracking refs out of it.
 */
export async function pushWithLease(request: PushRequest): Promise<PushOutcome> {
  const ref = `refs/heads/${request.targetBranch}`;
  const args = ['push', '--porcelain', '--no-verify', `--force-with-lease=${ref}:${request.expected ?? ''}`];
  if (request.updateCheckout) {
    // A local transport runs this command in the source repository: only a clean tree gets updated.
    args.push('--receive-pack=git -c receive.denyCurrentBranch=updateInstead receive-pack');
  }
  args.push('--', request.source.url, `${request.commit}:${ref}`);
  const result = await request.git(args, {
    allowFailure: true,
    allowPackOverride: request.updateCheckout,
    signal: request.signal,
  });
  const line = result.stdout.split('\n').find((candidate) => candidate.includes(`\t${request.commit}:${ref}\t`));
  if (line !== undefined) {
    const flag = line[0];
    const summary = line.split('\t')[2] ?? '';
    if (flag !== '!') return { kind: 'pushed' };
    if (checkoutPattern.test(summary)) return { kind: 'refused_checkout', reason: summary };
    if (racePattern.test(summary)) return { kind: 'race', reason: summary };
    throw gitFailure(
      GitFailureType.gitFailed,
      `pushing to ${request.targetBranch} of "${request.source.original}" was rejected: ${summary} ${result.stderr.trim()}`.slice(0, 2_000),
    );
  }
  if (result.exitCode === 0) return { kind: 'pushed' };
  throw sourceFailure(request.source, new Error(result.stderr || result.stdout));
}
