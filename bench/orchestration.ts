/**
 * Orchestration throughput: how many worker tasks per second the planner tree, the project's slot
 * ledger and Temporal sustain when agents are instant (scripted), against plain Temporal on the same
 * server in the same run: workflows fanning out as many no-op activities with the same parallelism.
 * `orchestration ratio` is longhaul's tasks/s divided by the raw activities/s (1 would be no overhead).
 * Prints figures; asserts nothing.
 *
 *   npx ts-node --transpile-only bench/orchestration.ts [tasks=1000] [maxParallelWorkers=32]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { projectWorkflow } from '../src/workflows/projectWorkflow';
import { historyStats, largest } from '../test/support/historyStats';
import { scriptedAgents } from '../test/support/scriptedAgents';
import { withScriptedDeployment } from '../test/support/scriptedDeployment';
import { treeScript } from '../test/support/treeScript';
import { rawActivitiesPerSecond, type FanOutShape } from './rawBaseline/rawFanOut';

async function main(): Promise<void> {
  const tasks = Number(process.argv[2] ?? 1_000);
  const parallel = Number(process.argv[3] ?? 32);
  // Leaves of at most 25 tasks (a plan holds at most 30), under four areas.
  const perArea = Math.max(1, Math.ceil(tasks / 25 / 4));
  const tasksPerLeaf = Math.ceil(tasks / (4 * perArea));
  const agents = scriptedAgents(treeScript({ branching: [4, perArea], tasksPerLeaf: () => tasksPerLeaf, cycles: 1 }));
  const taskQueue = `bench-${Date.now().toString(36)}`;
  // Persistent SQLite, as the embedded default runs.
  const server = { dbFilename: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'longhaul-bench-')), 'bench.sqlite') };

  await withScriptedDeployment(
    { taskQueue, agents, server, concurrency: { plan: 16, work: parallel, judge: 2 } },
    async (client, connection) => {
      const raw: FanOutShape = { workflows: 4 * perArea, activitiesPerWorkflow: tasksPerLeaf, parallel };
      // The baseline runs before and after longhaul, so both see the server as warm and as full.
      const rawBefore = await rawActivitiesPerSecond(connection, client, raw);
      const started = Date.now();
      const result = await client.workflow.execute(projectWorkflow, {
        taskQueue,
        workflowId: taskQueue,
        args: [{ goal: 'benchmark', repo: '/unused', limits: { maxParallelWorkers: parallel, maxPlannerDepth: 2 } }],
      });
      const seconds = (Date.now() - started) / 1_000;
      const rawAfter = await rawActivitiesPerSecond(connection, client, raw);
      const rawRate = (rawBefore + rawAfter) / 2;
      const stats = await historyStats(client, taskQueue);
      const biggest = largest(stats, 'events');
      console.log(
        `orchestration: ${result.tasksDone} tasks in ${seconds.toFixed(1)} s = ${(result.tasksDone / seconds).toFixed(1)} tasks/s`,
      );
      console.log(
        `raw Temporal: ${raw.workflows * raw.activitiesPerWorkflow} no-op activities from ${raw.workflows} workflows = ${rawRate.toFixed(1)} activities/s (${rawBefore.toFixed(1)} before, ${rawAfter.toFixed(1)} after)`,
      );
      console.log(`orchestration ratio: ${(result.tasksDone / seconds / rawRate).toFixed(2)}`);
      console.log(
        `  maxParallelWorkers ${parallel}, ${stats.length} workflow runs, largest history ${biggest.events} events (${biggest.type}), ${os.cpus().length} cores, SQLite dev server`,
      );
    },
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
