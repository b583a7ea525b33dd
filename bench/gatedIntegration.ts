/**
 * Gated integration throughput: a project of 48 tasks, 16 workers at once, on a 1,000-file
 * repository, with the test command `sleep 5`. Every task lands through the target's merge queue
 * (batches stacked on the head, one test run and one compare-and-swap push per batch). Prints tasks
 * integrated, tasks failed and tasks per second, from the first task's start to the project's end.
 *
 *   npx ts-node --transpile-only bench/gatedIntegration.ts [--tasks 48] [--workers 16] [--files 1000] [--test "sleep 5"]
 *
 * Agents are scripted (each edits a module of its own); planners, workers, the queue and git are real.
 */
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mergeQueueWorkflowId } from '../src/contract/mergeQueueWorkflowId';
import { GitWorkspace } from '../src/git/gitWorkspace';
import type { MergeQueueStatus } from '../src/schemas/mergeQueue';
import { enqueueSignal, mergeQueueStatusQuery } from '../src/contract/messages/mergeQueueMessages';
import { projectWorkflow } from '../src/workflows/projectWorkflow';
import { scriptedAgents } from '../test/support/scriptedAgents';
import { withScriptedDeployment } from '../test/support/scriptedDeployment';
import { createRepository, git } from './support/benchRepository';

function option(argv: readonly string[], name: string, fallback: string): string {
  const index = argv.indexOf(`--${name}`);
  return index >= 0 ? argv[index + 1] : fallback;
}

function count(argv: readonly string[], name: string, fallback: number): number {
  const value = Number(option(argv, name, String(fallback)));
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const tasks = count(argv, 'tasks', 48);
  const workers = count(argv, 'workers', 16);
  const files = count(argv, 'files', 1_000);
  const testCommand = option(argv, 'test', 'sleep 5');
  const root = mkdtempSync(path.join(os.tmpdir(), 'longhaul-bench-gate-'));
  try {
    const repo = path.join(root, 'source');
    createRepository(repo, files);
    // A plan holds at most 30 tasks: two areas share them.
    const areas = Math.ceil(tasks / 30);
    const perArea = (index: number): number => Math.floor(tasks / areas) + (index < tasks % areas ? 1 : 0);
    let firstTaskAt: number | undefined;
    let next = 0;
    const agents = scriptedAgents({
      plan: (req) => {
        if (req.depth === 0) {
          return {
            summary: 'split',
            tasks: [],
            subplanners: req.round === 0 ? Array.from({ length: areas }, (_, i) => ({ area: `area${i}`, goal: 'edit modules' })) : [],
            done: req.round > 0,
          };
        }
        const area = Number(req.area.replace(/\D+/g, '')) || 0;
        const count = req.round === 0 ? perArea(area) : 0;
        return {
          summary: 'edit',
          tasks: Array.from({ length: count }, (_, i) => ({ title: `Edit module ${area}-${i}`, instructions: 'edit it' })),
          subplanners: [],
          done: true,
        };
      },
      work: async (req) => {
        firstTaskAt ??= Date.now();
        const index = next++ % files;
        await fs.appendFile(path.join(req.dir, `pkg${Math.floor(index / 100)}`, `mod${index}.ts`), `export const edited${next} = true;\n`);
        return { outcome: 'done', summary: `edited module ${index}` };
      },
      judge: () => ({ verdict: 'done', reasons: 'benchmark' }),
    });
    const taskQueue = `bench-gate-${Date.now().toString(36)}`;
    const workspace = new GitWorkspace({ workdir: path.join(root, 'work') });
    const deployment = { taskQueue, agents, workspace, concurrency: { plan: 4, work: workers, judge: 1 }, heartbeatTimeoutSeconds: 60 };
    await withScriptedDeployment(deployment, async (client) => {
      // The last landing, not the project's end: the judge's own test runs come after it.
      let lastLandingAt: number | undefined;
      let landedSoFar = 0;
      const watch = setInterval(() => {
        const target = `longhaul/${taskQueue}`;
        // The target branch exists once the cycle has prepared it.
        if (!git(repo, 'branch', '--list', target)) return;
        const now = Number(git(repo, 'rev-list', '--count', `main..${target}`));
        if (now > landedSoFar) [landedSoFar, lastLandingAt] = [now, Date.now()];
      }, 200);
      let result;
      try {
        result = await client.workflow.execute(projectWorkflow, {
          taskQueue,
          workflowId: taskQueue,
          args: [{ goal: 'benchmark', repo, testCommand, limits: { maxParallelWorkers: workers, maxPlannerDepth: 1 } }],
        });
      } finally {
        clearInterval(watch);
      }
      const seconds = ((lastLandingAt ?? Date.now()) - (firstTaskAt ?? Date.now())) / 1_000;
      const queue: MergeQueueStatus = await client.workflow
        .getHandle(mergeQueueWorkflowId(repo, `longhaul/${taskQueue}`))
        .query(mergeQueueStatusQuery);
      const landed = Number(git(repo, 'rev-list', '--count', `main..longhaul/${taskQueue}`));
      if (landed !== result.tasksDone) throw new Error(`${result.tasksDone} tasks done but ${landed} commits landed`);
      console.log(`cpus: ${os.cpus().length}`);
      console.log(`gated integration: repository ${files} files; workers ${workers}; test command "${testCommand}"`);
      console.log(`tasks integrated: ${result.tasksDone}; tasks failed: ${result.tasksFailed}`);
      console.log(
        `merge queue: ${queue.totals.batches} batches (test runs), ${queue.totals.landed} landed, ${queue.totals.bounced} bounced`,
      );
      console.log(`elapsed (first task to last landing): ${seconds.toFixed(1)} s`);
      console.log(`tasks integrated per second: ${(result.tasksDone / seconds).toFixed(2)}`);
      // Where a batch's time goes: waiting for its tasks, stacking and testing them, landing them.
      const history = await client.workflow.getHandle(mergeQueueWorkflowId(repo, `longhaul/${taskQueue}`)).fetchHistory();
      const at = (event: { eventTime?: { seconds?: unknown; nanos?: number | null } | null }): number =>
        Number(event.eventTime?.seconds ?? 0) * 1_000 + (event.eventTime?.nanos ?? 0) / 1e6;
      const enqueued = (history.events ?? [])
        .filter((event) => event.workflowExecutionSignaledEventAttributes?.signalName === enqueueSignal.name)
        .map((event) => (at(event) - (firstTaskAt ?? 0)) / 1_000);
      const nth = (share: number): string => (enqueued[Math.min(enqueued.length - 1, Math.floor(share * enqueued.length))] ?? 0).toFixed(1);
      console.log(
        `  submitted to the queue: ${enqueued.length}; a quarter by ${nth(0.25)} s, half by ${nth(0.5)} s, the last at ${nth(1)} s`,
      );
      const scheduled = new Map<string, { type: string; at: number }>();
      for (const event of history.events ?? []) {
        const attrs = event.activityTaskScheduledEventAttributes;
        if (attrs) scheduled.set(String(event.eventId), { type: attrs.activityType?.name ?? '?', at: at(event) });
        const done = event.activityTaskCompletedEventAttributes;
        if (!done) continue;
        const start = scheduled.get(String(done.scheduledEventId));
        if (start === undefined || firstTaskAt === undefined) continue;
        const from = ((start.at - firstTaskAt) / 1_000).toFixed(1);
        console.log(`  ${start.type.padEnd(10)} at ${from.padStart(5)} s, took ${((at(event) - start.at) / 1_000).toFixed(1)} s`);
      }
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
