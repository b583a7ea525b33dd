import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Git } from '../core/gitRunner';
import { requireSha } from '../core/names';
import type { RepoCache } from '../source/repoCache';
import { sourceFailure } from '../source/sourceErrors';
import { fetchTargetHead } from '../source/targetFetch';
import {
  maxBounceOutputChars,
  type QueueEntry,
  type StackedTask,
  type TestStackRequest,
  type TestStackResult,
} from '../../schemas/mergeQueue';
import { stackRef } from './queueRefs';
import { checkOutStack, lockStackLane, openStackCheckout } from './stackCheckout';
import { replayCommit } from './replayCommit';
import { listRange, type RangeCommit } from './taskTrailer';
import { runTestCommand } from './testCommand';
import type { EnvironmentStore } from '../../environment/environmentStore';
import { describeSetupFailure } from '../../environment/setupFailure';
import type { CommandSandboxing } from '../../sandbox/sandboxes';

export interface StackTestSettings {
  testTimeoutMs: number;
  testOutputChars: number;
  /** Stack tests run confined like every command on a checkout. */
  sandboxing: CommandSandboxing;
  /** Where the stack checkout gets the project's dependencies from (its setup command). */
  environments: EnvironmentStore;
}

function tail(text: string, max: number): string {
  return text.length <= max ? text : `[… ${text.length - max} characters omitted …]\n${text.slice(-max)}`;
}

/** The commits among `shas` this repository has, with their committer date and message: one git call for a whole batch. */
async function readCommits(git: Git, shas: readonly string[]): Promise<Map<string, { date: string; message: string }>> {
  const found = new Map<string, { date: string; message: string }>();
  if (shas.length === 0) return found;
  const { stdout } = await git(['log', '--no-walk=unsorted', '--ignore-missing', '--format=%H%x1f%cI%x1f%B%x1e', ...shas, '--'], {
    allowFailure: true,
  });
  for (const record of stdout.split('\x1e')) {
    const [sha, date, message] = record.replace(/^\n/, '').split('\x1f');
    if (sha && date && message !== undefined) found.set(sha, { date, message });
  }
  return found;
}

/** Brings the task commits this cache lacks from their refs on the source; returns the ones it has then, with their dates and messages. */
async function fetchTaskCommits(
  git: Git,
  cache: RepoCache,
  tasks: readonly QueueEntry[],
  signal?: AbortSignal,
): Promise<Map<string, { date: string; message: string }>> {
  const present = await readCommits(
    git,
    tasks.map((task) => task.commit),
  );
  const absent = tasks.filter((task) => !present.has(task.commit));
  if (absent.length === 0) return present;
  const fetch = (refs: string[]) =>
    git(['fetch', '--no-tags', '--refmap=', '--no-write-fetch-head', 'origin', ...refs], { allowFailure: true, signal });
  const all = await fetch(absent.map((task) => task.ref));
  if (all.exitCode !== 0) {
    if (!/couldn't find remote ref/i.test(all.stderr)) throw sourceFailure(cache.source, new Error(all.stderr));
    // One ref is gone (a superseded submission): fetch the rest one by one.
    for (const task of absent) await fetch([task.ref]);
  }
  return readCommits(
    git,
    tasks.map((task) => task.commit),
  );
}

async function conflictDescription(git: Git, targetBranch: string, head: string, commit: string): Promise<string> {
  const merged = await git(['merge-tree', '--write-tree', '--name-only', '--no-messages', head, commit], { allowFailure: true });
  // The merged tree's id, then one conflicted path per line.
  const files = merged.stdout
    .split('\n')
    .slice(1)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  return `The change conflicts with ${targetBranch} at ${head.slice(0, 12)} in: ${[...new Set(files)].join(', ') || '(files not listed)'}`;
}

/**
 * Builds the batch on the target head in the object database (each task's single commit replayed,
 * in order, with `merge-tree`), runs the test command once on the stack in this machine's stack
 * checkout, and on success publishes the tested tip under a hidden ref so any machine can land it.
 * Tasks whose trailer is already on the target count as landed, so a retried batch never lands one twice.
 */
export async function testStack(
  cache: RepoCache,
  request: TestStackRequest,
  settings: StackTestSettings,
  signal?: AbortSignal,
): Promise<TestStackResult> {
  // A batch tested ahead of another runs in a checkout of its own, beside it.
  const held = await lockStackLane(cache, request.targetBranch, request.lane ?? 0, signal);
  try {
    const checkout = await openStackCheckout(cache, request.targetBranch, request.lane ?? 0);
    const { git, gitDir } = checkout;
    const head = await fetchTargetHead(git, gitDir, cache.source, request.targetBranch, signal);
    const after = request.after ?? [];
    const commits = await fetchTaskCommits(git, cache, [...after, ...request.tasks], signal);
    const ranges = new Map<string, RangeCommit[]>();
    const messageFile = path.join(gitDir, 'LONGHAUL_STACK_MSG');
    let results: StackedTask[] = [];
    let tip = head;
    let tipTree = requireSha((await git(['rev-parse', '--verify', `${head}^{tree}`])).stdout, 'the head tree');
    // What this batch stacks on: the head, or the batch tested ahead of it stacked on the head (the
    // same commits that batch makes, since replays are deterministic), where it would land next.
    let base = head;
    let baseTree = tipTree;
    for (const task of [...after, ...request.tasks]) {
      if (task === request.tasks[0] && after.length > 0) {
        [base, baseTree, results] = [tip, tipTree, []];
      }
      const known = commits.get(task.commit);
      if (known === undefined) {
        results.push({ taskId: task.taskId, state: 'missing' });
        continue;
      }
      let range = ranges.get(task.base);
      if (range === undefined) {
        range = await listRange(git, `${task.base}..${head}`);
        ranges.set(task.base, range);
      }
      const earlier = range.filter((entry) => entry.taskIds.includes(task.taskId));
      if (earlier.length > 0) {
        results.push({ taskId: task.taskId, state: 'landed', commit: earlier[earlier.length - 1].sha });
        continue;
      }
      await fs.writeFile(messageFile, known.message);
      const replay = await replayCommit(git, task.commit, tip, tipTree, messageFile, known.date);
      if (replay.kind === 'replayed') {
        tip = replay.commit;
        tipTree = replay.tree;
        results.push({ taskId: task.taskId, state: 'stacked', commit: tip });
        continue;
      }
      // Against the base alone it may be fine: then it only collides with a task stacked before it.
      const alone = tip === base ? replay : await replayCommit(git, task.commit, base, baseTree, messageFile, known.date);
      if (alone.kind === 'empty') results.push({ taskId: task.taskId, state: 'no_changes' });
      else if (alone.kind === 'replayed') results.push({ taskId: task.taskId, state: 'deferred' });
      else
        results.push({
          taskId: task.taskId,
          state: 'conflict',
          output: await conflictDescription(git, request.targetBranch, base, task.commit),
        });
    }
    const onBase = after.length > 0 ? { base } : {};
    if (tip === base) return { head, tip, ...onBase, tasks: results };

    // The stack's dependencies, as every checkout gets them: copied when its manifests are known.
    const environment = await checkOutStack(
      checkout,
      tip,
      request.setupCommand === undefined
        ? undefined
        : { store: settings.environments, setupCommand: request.setupCommand, sandbox: request.sandbox, signal },
    );
    if (environment && !environment.ok) {
      return {
        head,
        tip,
        ...onBase,
        tasks: results,
        passed: false,
        output: tail(describeSetupFailure(`on the stack ${tip.slice(0, 12)}`, environment.run), maxBounceOutputChars),
      };
    }
    const tests = await runTestCommand(request.testCommand, {
      cwd: checkout.dir,
      timeoutMs: settings.testTimeoutMs,
      maxOutputChars: settings.testOutputChars,
      signal,
      sandboxing: settings.sandboxing,
    });
    // What the tests wrote must not leak into the next batch's run.
    await git(['reset', '--hard', 'HEAD']);
    await git(['clean', '-fd']);
    const output = tail(tests.output, maxBounceOutputChars);
    if (!tests.passed) return { head, tip, ...onBase, tasks: results, passed: false, output };
    const ref = stackRef(request.targetBranch, request.lane);
    const pushed = await git(['push', '--porcelain', '--no-verify', '--', cache.source.url, `+${tip}:${ref}`], {
      allowFailure: true,
      signal,
    });
    if (pushed.exitCode !== 0) throw sourceFailure(cache.source, new Error(pushed.stderr || pushed.stdout));
    return { head, tip, ...onBase, stackRef: ref, tasks: results, passed: true, output };
  } finally {
    await held.release();
  }
}
