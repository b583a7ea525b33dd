import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { dirtyTargetFailure, guardTargetCheckout, localChanges } from '../source/checkoutGuard';
import { filesWithConflictMarkers } from './conflictMarkers';
import { LockTimeoutError, type HeldLock } from '../locks/fileLock';
import { GitFailureType, gitFailure } from '../core/gitFailures';
import type { Git } from '../core/gitRunner';
import type { IntegrationHooks } from './integrationHooks';
import { requireSha } from '../core/names';
import { pushWithLease } from '../source/pushTarget';
import { fetchTargetHead as fetchHead, readFetchHead } from '../source/targetFetch';
import type { RepoCache } from '../source/repoCache';
import { replayCommit } from './replayCommit';
import { buildCommitMessage, listRange } from './taskTrailer';
import { runTestCommand } from './testCommand';
import type { CheckoutEnvironment } from '../../environment/prepareCheckout';
import { describeSetupFailure } from '../../environment/setupFailure';
import type { IntegrateOptions, IntegrationResult } from '../workspaceContract';
import { clip } from '../../schemas/task';
import type { Sandboxes } from '../../sandbox/sandboxes';
import { keepSecretsOut, secretsInRange } from './secretGate';

export interface IntegrationSettings {
  /** The test command runs sandboxed, like every command on a checkout. */
  sandboxes: Sandboxes;
  maxPushAttempts: number;
  testTimeoutMs: number;
  testOutputChars: number;
  conflictDetailsChars: number;
}

export interface IntegrationContext {
  cache: RepoCache;
  /** git bound to the task worktree. */
  git: Git;
  dir: string;
  /** The worktree's private git directory (FETCH_HEAD, rebase state, message files). */
  worktreeGitDir: string;
  taskId: string;
  targetBranch: string;
  settings: IntegrationSettings;
  hooks?: IntegrationHooks;
  /** Gives the worktree the dependencies of the commit under test (set up again if it changed a manifest). */
  prepareEnvironment?: (signal?: AbortSignal) => Promise<CheckoutEnvironment>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function revParse(git: Git, rev: string): Promise<string> {
  return requireSha((await git(['rev-parse', '--verify', '--end-of-options', `${rev}^{commit}`])).stdout, rev);
}

function fetchTargetHead(ctx: IntegrationContext, signal?: AbortSignal): Promise<string> {
  return fetchHead(ctx.git, ctx.worktreeGitDir, ctx.cache.source, ctx.targetBranch, signal);
}

function rebaseInProgress(ctx: IntegrationContext): boolean {
  return existsSync(path.join(ctx.worktreeGitDir, 'rebase-merge')) || existsSync(path.join(ctx.worktreeGitDir, 'rebase-apply'));
}

/** A crashed attempt may have left a rebase half done; the branch before it holds the whole work. */
export async function abortUnfinishedRebase(ctx: IntegrationContext): Promise<void> {
  if (rebaseInProgress(ctx)) await ctx.git(['rebase', '--abort']);
}

export async function hasStagedChangesSince(git: Git, base: string): Promise<boolean> {
  const { stdout } = await git(['diff', '--cached', '--shortstat', '--end-of-options', base, '--']);
  return stdout.trim().length > 0;
}

export function messageFileOf(ctx: IntegrationContext): string {
  return path.join(ctx.worktreeGitDir, 'LONGHAUL_COMMIT_MSG');
}

/** Replaces whatever the branch holds since `base` with one commit of the staged tree. */
export async function commitSquashed(
  ctx: IntegrationContext,
  base: string,
  head: string,
  options: Pick<IntegrateOptions, 'message' | 'body'>,
): Promise<string> {
  // Whatever the branch committed since `base` (earlier attempts, parked work, the agent's own
  // commits) folds into the one task commit; the index already holds the final tree.
  if (head !== base) await ctx.git(['reset', '--soft', base]);
  await fs.writeFile(messageFileOf(ctx), buildCommitMessage(options.message, options.body, ctx.taskId));
  await ctx.git(['commit', '--no-verify', '--cleanup=whitespace', '-F', messageFileOf(ctx)]);
  return revParse(ctx.git, 'HEAD');
}

async function conflictedFiles(git: Git): Promise<string[]> {
  const { stdout } = await git(['diff', '--name-only', '--diff-filter=U', '-z']);
  return stdout.split('\0').filter((file) => file.length > 0);
}

type RebaseOutcome = { kind: 'rebased'; commit: string } | { kind: 'empty' } | { kind: 'conflict'; files: string[]; output: string };

/** Replays the task's single commit onto `onto`. */
export async function rebaseOnto(ctx: IntegrationContext, onto: string): Promise<RebaseOutcome> {
  const result = await ctx.git(['rebase', '--no-autostash', '--empty=drop', onto], { allowFailure: true });
  if (result.exitCode === 0) {
    const commit = await revParse(ctx.git, 'HEAD');
    return commit === onto ? { kind: 'empty' } : { kind: 'rebased', commit };
  }
  const files = rebaseInProgress(ctx) ? await conflictedFiles(ctx.git) : [];
  if (files.length > 0) return { kind: 'conflict', files, output: `${result.stdout}\n${result.stderr}` };
  if (rebaseInProgress(ctx)) await ctx.git(['rebase', '--abort']);
  throw gitFailure(
    GitFailureType.gitFailed,
    `rebasing task ${ctx.taskId} onto ${onto} failed without a conflict: ${result.stderr.trim().slice(0, 1_000)}`,
  );
}

async function describeConflict(ctx: IntegrationContext, base: string, onto: string, files: string[], output: string): Promise<string> {
  const { stdout: upstream } = await ctx.git(['log', '--format=%h %s', '-n', '20', '--end-of-options', `${base}..${onto}`, '--', ...files]);
  const text =
    `Your task's change conflicts with work that landed on ${ctx.targetBranch} meanwhile.\n` +
    `Conflicted files: ${files.join(', ')}\n` +
    `Commits on ${ctx.targetBranch} touching them:\n${upstream.trim() || '(none listed)'}\n\n` +
    `Edit the conflicted files so both changes survive and no conflict markers remain; ` +
    `do not commit or run git rebase yourself.\n\ngit said:\n${output.trim()}`;
  return clip(text, ctx.settings.conflictDetailsChars);
}

type ResolutionOutcome = { kind: 'continued' } | { kind: 'result'; result: IntegrationResult };

/** Hands the conflict to the caller's resolver, then finishes the rebase or gives up cleanly. */
export async function resolveAndContinue(
  ctx: IntegrationContext,
  options: Pick<IntegrateOptions, 'message' | 'body' | 'resolveConflict'>,
  onto: string,
  base: string,
  conflict: { files: string[]; output: string },
): Promise<ResolutionOutcome> {
  const details = await describeConflict(ctx, base, onto, conflict.files, conflict.output);
  let resolved: boolean;
  try {
    resolved = await options.resolveConflict({ conflictedFiles: conflict.files, details });
  } catch (error) {
    await abortUnfinishedRebase(ctx);
    throw error;
  }
  if (!resolved) {
    await abortUnfinishedRebase(ctx);
    return { kind: 'result', result: { status: 'conflict', details, conflictedFiles: conflict.files } };
  }
  const remaining = await filesWithConflictMarkers(ctx.dir, conflict.files);
  if (remaining.length > 0) {
    await abortUnfinishedRebase(ctx);
    return {
      kind: 'result',
      result: {
        status: 'conflict',
        details: clip(
          `conflict markers remain in ${remaining.join(', ')} after resolution\n\n${details}`,
          ctx.settings.conflictDetailsChars,
        ),
        conflictedFiles: conflict.files,
      },
    };
  }
  await ctx.git(['add', '-A']);
  if (rebaseInProgress(ctx)) {
    if (!(await hasStagedChangesSince(ctx.git, 'HEAD'))) {
      // The resolution keeps nothing of the task's change: drop the commit.
      await ctx.git(['rebase', '--skip']);
      return { kind: 'result', result: { status: 'no_changes' } };
    }
    // Committing first lets the rebase continue without an editor. The message is ours, not the one
    // git prepared, which may carry commented conflict notes after the trailer.
    await ctx.git(['commit', '--no-verify', '--cleanup=whitespace', '-F', messageFileOf(ctx)]);
    await ctx.git(['rebase', '--continue']);
    if (rebaseInProgress(ctx)) {
      await abortUnfinishedRebase(ctx);
      throw gitFailure(GitFailureType.gitFailed, `rebase of task ${ctx.taskId} did not finish after resolution`);
    }
    return { kind: 'continued' };
  }
  // The resolver finished the rebase itself; make sure one task commit sits right on `onto`.
  if (!(await hasStagedChangesSince(ctx.git, onto))) {
    await ctx.git(['reset', '--soft', onto]);
    return { kind: 'result', result: { status: 'no_changes' } };
  }
  await commitSquashed(ctx, onto, await revParse(ctx.git, 'HEAD'), options);
  return { kind: 'continued' };
}

async function acquire(ctx: IntegrationContext, signal?: AbortSignal): Promise<HeldLock> {
  try {
    return await ctx.cache.integrationLock(ctx.targetBranch).acquire(signal);
  } catch (error) {
    if (error instanceof LockTimeoutError) throw gitFailure(GitFailureType.lockTimeout, error.message, error);
    throw error;
  }
}

/**
 * Commits the worktree as one commit carrying the task trailer, rebases it onto the target head, runs
 * the tests, and compare-and-swaps it onto the target; a moved target means another round from the
 * new head.
 *
 * Rebase rather than merge: every task lands as one commit with its trailer on a linear history,
 * which keeps "is this task already on the target?" a plain trailer search and keeps the judge's
 * diff readable; a merge commit per task would double the history for no information.
 *
 * Without a test command integration goes through the machine's integration queue: one lock holder
 * replays every waiting task onto the head and pushes them with one compare-and-swap, so local
 * workers neither invalidate each other's pushes nor wait a round trip each. A task that conflicts
 * comes back and is rebased in its own worktree, where its resolver can work. With a test command
 * each round is optimistic (tests may take minutes and must see the exact commit that lands); the
 * lease still guarantees that nothing untested against the current head lands.
 */
export async function integrateTask(ctx: IntegrationContext, options: IntegrateOptions): Promise<IntegrationResult> {
  const signal = options.signal;
  await abortUnfinishedRebase(ctx);
  const guard = await guardTargetCheckout(ctx.cache.source, ctx.targetBranch, ctx.cache.settings.identity);

  signal?.throwIfAborted();
  // The head seen when the task opened is a fine base for the commit; the loop fetches the latest.
  const knownHead = (await readFetchHead(ctx.worktreeGitDir)) ?? (await fetchTargetHead(ctx, signal));
  const headNow = await revParse(ctx.git, 'HEAD');
  // Usually the task has not committed and HEAD is the head it opened at.
  const base = headNow === knownHead ? knownHead : requireSha((await ctx.git(['merge-base', 'HEAD', knownHead])).stdout, 'the merge base');

  // Verbose: the listing is ignored, but a silent git costs simple-git an extra wait.
  await ctx.git(['add', '-A', '--verbose']);
  const withSecrets = await keepSecretsOut(ctx.git, base, options);
  if (withSecrets !== undefined) return withSecrets;
  if (!(await hasStagedChangesSince(ctx.git, base))) {
    await ctx.git(['reset', '--soft', base]);
    return { status: 'no_changes' };
  }
  // Read again: a worker sent back to take out credentials may have committed meanwhile.
  let commit = await commitSquashed(ctx, base, await revParse(ctx.git, 'HEAD'), options);
  await ctx.hooks?.afterCommit?.({ taskId: ctx.taskId, commit });

  const serialise = options.testCommand === undefined;
  // The commit the task's commit sits on. A rejected push proves the commit did not land, but a
  // duplicate attempt elsewhere (or a push whose answer was lost) may have landed it: check new heads.
  let parent = base;
  // What the worktree has checked out; replays happen in the object database and sync lazily.
  let checkedOut = commit;
  const syncWorktree = async (): Promise<void> => {
    if (checkedOut === commit) return;
    await ctx.git(['reset', '--hard', commit]);
    checkedOut = commit;
  };
  const queue = serialise ? ctx.cache.integrationQueue(ctx.targetBranch, ctx.settings.maxPushAttempts) : undefined;
  const message = await fs.readFile(messageFileOf(ctx), 'utf8');
  for (let attempt = 1; attempt <= ctx.settings.maxPushAttempts; attempt++) {
    signal?.throwIfAborted();
    if (queue !== undefined) {
      const queued = await queue.submit(
        {
          git: ctx.git,
          dir: ctx.dir,
          worktreeGitDir: ctx.worktreeGitDir,
          taskId: ctx.taskId,
          checkedOutAt: guard.checkedOutAt,
          hooks: ctx.hooks,
        },
        { taskId: ctx.taskId, commit, parent, message, identity: ctx.cache.settings.identity },
        signal,
      );
      if (queued.kind === 'landed') {
        await ctx.hooks?.afterPush?.({ taskId: ctx.taskId, commit: queued.commit });
        return { status: 'integrated', commit: queued.commit };
      }
      if (queued.kind === 'already') return { status: 'integrated', commit: queued.commit };
      if (queued.kind === 'empty') return { status: 'no_changes' };
      // A conflict: replay it in the worktree below, where the resolver can work on it.
    }
    let lock: HeldLock | undefined = serialise ? await acquire(ctx, signal) : undefined;
    let landed: string | undefined;
    try {
      const head = await fetchTargetHead(ctx, signal);
      if (parent !== head) {
        const range = await listRange(ctx.git, `${parent}..${head}`);
        const earlier = range.filter((entry) => entry.taskIds.includes(ctx.taskId));
        if (earlier.length > 0) return { status: 'integrated', commit: earlier[earlier.length - 1].sha };
        const replay =
          range[0]?.sha === head
            ? await replayCommit(ctx.git, commit, head, range[0].tree, messageFileOf(ctx))
            : ({ kind: 'needs_worktree' } as const);
        if (replay.kind === 'empty') return { status: 'no_changes' };
        if (replay.kind === 'replayed') {
          commit = replay.commit;
        } else {
          await syncWorktree();
          const rebased = await rebaseOnto(ctx, head);
          if (rebased.kind === 'empty') return { status: 'no_changes' };
          if (rebased.kind === 'conflict') {
            // The resolver may take minutes: let other integrations proceed meanwhile.
            await lock?.release();
            lock = undefined;
            const outcome = await resolveAndContinue(ctx, options, head, parent, rebased);
            if (outcome.kind === 'result') return outcome.result;
            commit = await revParse(ctx.git, 'HEAD');
            // The resolution is new content: it is held to the same rule before it can land.
            const resolvedWithSecrets = await secretsInRange(ctx.git, head, commit);
            if (resolvedWithSecrets !== undefined) return resolvedWithSecrets;
          } else {
            commit = rebased.commit;
          }
          checkedOut = commit;
        }
        parent = head;
      }

      if (options.testCommand !== undefined) {
        await syncWorktree();
        const environment = await ctx.prepareEnvironment?.(signal);
        if (environment?.ok === false) {
          return { status: 'tests_failed', output: describeSetupFailure(`before the tests of task ${ctx.taskId}`, environment.run) };
        }
        const tests = await runTestCommand(options.testCommand, {
          cwd: ctx.dir,
          timeoutMs: ctx.settings.testTimeoutMs,
          maxOutputChars: ctx.settings.testOutputChars,
          signal,
          sandboxing: ctx.settings.sandboxes.for('commands', options.sandbox),
        });
        // Tests may leave build output behind; the commit is what gets pushed, so start clean.
        await ctx.git(['reset', '--hard', 'HEAD']);
        await ctx.git(['clean', '-fd']);
        if (!tests.passed) return { status: 'tests_failed', output: tests.output };
      }

      if (guard.checkedOutAt !== undefined) {
        const changes = await localChanges(guard.checkedOutAt, ctx.cache.settings.identity);
        if (changes.length > 0) throw dirtyTargetFailure(ctx.targetBranch, guard.checkedOutAt, changes);
      }
      await ctx.hooks?.beforePush?.({ taskId: ctx.taskId, commit, attempt });
      const pushed = await pushWithLease({
        git: ctx.git,
        source: ctx.cache.source,
        commit,
        targetBranch: ctx.targetBranch,
        expected: head,
        updateCheckout: guard.checkedOutAt !== undefined,
        signal,
      });
      if (pushed.kind === 'refused_checkout') {
        throw dirtyTargetFailure(ctx.targetBranch, guard.checkedOutAt ?? ctx.cache.source.original, [pushed.reason]);
      }
      if (pushed.kind === 'pushed') landed = commit;
    } finally {
      await lock?.release();
    }
    if (landed !== undefined) {
      // The worktree keeps showing the task's commit on the base it was built on (a consistent state);
      // checking out the landed commit would only rewrite files nobody reads before disposal.
      await ctx.hooks?.afterPush?.({ taskId: ctx.taskId, commit: landed });
      return { status: 'integrated', commit: landed };
    }
    // Lost the race: back off a little (with jitter) and retry from the new head.
    await sleep(Math.random() * Math.min(2_000, 20 * 2 ** attempt));
  }
  throw gitFailure(
    GitFailureType.pushRaceExhausted,
    `target "${ctx.targetBranch}" kept moving: task ${ctx.taskId} not integrated after ${ctx.settings.maxPushAttempts} attempts`,
  );
}
