import { dirtyTargetFailure, guardTargetCheckout } from '../source/checkoutGuard';
import { pushWithLease } from '../source/pushTarget';
import type { RepoCache } from '../source/repoCache';
import { sourceFailure } from '../source/sourceErrors';
import type { LandStackRequest, LandStackResult } from '../../schemas/mergeQueue';

async function isAncestor(cache: RepoCache, ancestor: string, descendant: string): Promise<boolean> {
  const { exitCode } = await cache.git(['merge-base', '--is-ancestor', ancestor, descendant], { allowFailure: true });
  return exitCode === 0;
}

/**
 * Moves the target from `head` to the tested `tip` with one compare-and-swap push, from whichever
 * machine runs it (the tip comes from its hidden stack ref). A retry after a push whose answer was
 * lost finds the target at or past the tip and reports it landed; a target moved by someone else is
 * `moved`, and the queue tests again on the new head (so is a stack whose ref is gone). Landed task refs are then deleted.
 */
export async function landStack(cache: RepoCache, request: LandStackRequest, signal?: AbortSignal): Promise<LandStackResult> {
  const guard = await guardTargetCheckout(cache.source, request.targetBranch, cache.settings.identity);
  if ((await cache.resolveCommit(request.tip)) === undefined) {
    const fetched = await cache.git(['fetch', '--no-tags', '--no-write-fetch-head', 'origin', request.stackRef], {
      allowFailure: true,
      signal,
    });
    if (fetched.exitCode !== 0) throw sourceFailure(cache.source, new Error(fetched.stderr));
    // A later stack took the ref (this one is stale) or it is gone: the queue tests these tasks again.
    if ((await cache.resolveCommit(request.tip)) === undefined) return { kind: 'moved' };
  }
  const pushed = await pushWithLease({
    git: cache.git,
    source: cache.source,
    commit: request.tip,
    targetBranch: request.targetBranch,
    expected: request.head,
    updateCheckout: guard.checkedOutAt !== undefined,
    signal,
  });
  if (pushed.kind === 'refused_checkout') {
    throw dirtyTargetFailure(request.targetBranch, guard.checkedOutAt ?? cache.source.original, [pushed.reason]);
  }
  if (pushed.kind === 'race') {
    await cache.withLock(() => cache.fetchBranchesLocked([request.targetBranch]), signal);
    const now = await cache.mirroredHead(request.targetBranch);
    if (now === undefined || !(await isAncestor(cache, request.tip, now))) return { kind: 'moved' };
  }
  if (request.taskRefs.length > 0) {
    const deleted = await cache.git(
      ['push', '--porcelain', '--no-verify', '--', cache.source.url, ...request.taskRefs.map((ref) => `:${ref}`)],
      {
        allowFailure: true,
        signal,
      },
    );
    // Refs an earlier attempt already deleted are fine; anything else is worth a retry.
    const failed = deleted.stdout.split('\n').filter((line) => line.startsWith('!') && !/remote ref does not exist/i.test(line));
    if (failed.length > 0 || (deleted.exitCode !== 0 && !/remote ref does not exist/i.test(deleted.stderr + deleted.stdout))) {
      throw sourceFailure(cache.source, new Error(`${failed.join('\n')}\n${deleted.stderr}`));
    }
  }
  return { kind: 'landed' };
}
