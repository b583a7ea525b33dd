import { promises as fs } from 'node:fs';
import { requireSha } from '../core/names';
import { sourceFailure } from '../source/sourceErrors';
import { fetchTargetHead, readFetchHead } from '../source/targetFetch';
import {
  abortUnfinishedRebase,
  commitSquashed,
  hasStagedChangesSince,
  messageFileOf,
  rebaseOnto,
  resolveAndContinue,
  revParse,
  type IntegrationContext,
} from './integrateBranch';
import { taskQueueRef } from './queueRefs';
import { keepSecretsOut } from './secretGate';
import type { RebaseOptions, RebaseResult, SubmitOptions, Submission } from '../workspaceContract';

/**
 * Commits the worktree as the task's single commit (trailer included) and publishes it under a hidden
 * ref on the source, where whichever machine runs the merge queue fetches it. Nothing lands here.
 */
export async function submitTask(ctx: IntegrationContext, options: SubmitOptions): Promise<Submission> {
  await abortUnfinishedRebase(ctx);
  options.signal?.throwIfAborted();
  const knownHead =
    (await readFetchHead(ctx.worktreeGitDir)) ??
    (await fetchTargetHead(ctx.git, ctx.worktreeGitDir, ctx.cache.source, ctx.targetBranch, options.signal));
  const headNow = await revParse(ctx.git, 'HEAD');
  const base = headNow === knownHead ? knownHead : requireSha((await ctx.git(['merge-base', 'HEAD', knownHead])).stdout, 'the merge base');
  await ctx.git(['add', '-A', '--verbose']);
  if (!(await hasStagedChangesSince(ctx.git, base))) {
    await ctx.git(['reset', '--soft', base]);
    return { status: 'no_changes' };
  }
  // Nothing carrying a credential is published, not even under a hidden ref.
  const secrets = await keepSecretsOut(ctx.git, base, options);
  if (secrets?.status === 'secrets_found') return secrets;
  const commit = await commitSquashed(ctx, base, headNow, options);
  await ctx.hooks?.afterCommit?.({ taskId: ctx.taskId, commit });
  const ref = taskQueueRef(ctx.targetBranch, ctx.taskId, commit);
  const pushed = await ctx.git(['push', '--porcelain', '--no-verify', '--', ctx.cache.source.url, `+${commit}:${ref}`], {
    allowFailure: true,
    signal: options.signal,
  });
  if (pushed.exitCode !== 0) throw sourceFailure(ctx.cache.source, new Error(pushed.stderr || pushed.stdout));
  return { status: 'submitted', commit, base, ref };
}

/**
 * Replays the task's commit onto the latest target head in its worktree, so its worker sees what the
 * queue tested it against; a conflict goes to the worker's resolver, as in direct integration.
 */
export async function rebaseTaskOnTarget(ctx: IntegrationContext, options: RebaseOptions): Promise<RebaseResult> {
  await abortUnfinishedRebase(ctx);
  const head = await fetchTargetHead(ctx.git, ctx.worktreeGitDir, ctx.cache.source, ctx.targetBranch, options.signal);
  const base = requireSha((await ctx.git(['merge-base', 'HEAD', head])).stdout, 'the merge base');
  // A resolution commits with the task's message; this attempt may not be the one that wrote it.
  await fs.writeFile(messageFileOf(ctx), (await ctx.git(['show', '-s', '--format=%B', 'HEAD'])).stdout);
  const rebased = await rebaseOnto(ctx, head);
  if (rebased.kind === 'empty') return { status: 'no_changes' };
  if (rebased.kind === 'rebased') return { status: 'rebased' };
  const outcome = await resolveAndContinue(ctx, options, head, base, rebased);
  if (outcome.kind === 'continued') return { status: 'rebased' };
  const result = outcome.result;
  if (result.status === 'no_changes') return { status: 'no_changes' };
  if (result.status === 'conflict') return result;
  throw new Error(`unexpected outcome ${result.status} of resolving task ${ctx.taskId}'s conflict`);
}
