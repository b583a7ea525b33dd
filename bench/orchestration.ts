/**
 * Orchestration throughput: how many worker tasks per second the planner tree, the project's slot
 * ledger and Temporal sustain when agents are instant (scripted). Prints figures; asserts nothing.
 *
 *   npx ts-node --transpile-only bench/orchestration.ts [tasks=1000] [maxParallelWorkers=32]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { findTemporalCli } from '../src/devServer/findTemporalCli';
import { startDevServer, type DevServer } from '../src/devServer/startDevServer';
import { projectWorkflow } from '../src/workflows/projectWorkflow';
import { createLonghaulWorkers, runLonghaulWorkers } from '../src/workers/createLonghaulWorkers';
import { workerRoles } from '../src/workers/workerRoles';
import { historyStats, largest } from '../test/support/historyStats';
import { RecordingWorkspace } from '../test/support/recordingWorkspace';
import { scriptedAgents } from '../test/support/scriptedAgents';
import { testDeps } from '../test/support/testDeps';
import { treeScript } from '../test/support/treeScript';

async function main(): Promise<void> {
  const tasks = Number(process.argv[2] ?? 1_000);
  const parallel = Number(process.argv[3] ?? 32);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  let server: DevServer | undefined;
  let address = process.env.TEMPORAL_ADDRESS;
  if (!address) {
    const cliPath = findTemporalCli();
    if (!cliPath) throw new Error('No Temporal CLI found: run scripts/install-temporal.sh or set TEMPORAL_ADDRESS');
    server = await startDevServer({ cliPath, headless: true, dbFilename: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'longhaul-bench-')), 'bench.sqlite') });
    address = server.address;
  }
  try {
    const leaves = 4 * 5;
    const shape = { branching: [4, 5], tasksPerLeaf: () => Math.ceil(tasks / leaves), cycles: 1 };
    const agents = scriptedAgents(treeScript(shape));
    const taskQueue = `bench-${Date.now().toString(36)}`;
    const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows'), logger: new DefaultLogger('WARN') });
    const connection = await NativeConnection.connect({ address });
    const clientConnection = await Connection.connect({ address });
    const client = new Client({ connection: clientConnection });
    const workers = await createLonghaulWorkers({
      connection,
      namespace: 'default',
      taskQueue,
      roles: [...workerRoles],
      deps: testDeps(agents, new RecordingWorkspace()),
      workflows: { workflowBundle: bundle },
      concurrency: { plan: 16, work: parallel, judge: 2 },
    });
    const started = Date.now();
    const result = await runLonghaulWorkers(
      workers,
      client.workflow.execute(projectWorkflow, {
        taskQueue,
        workflowId: taskQueue,
        args: [{ goal: 'benchmark', repo: '/unused', limits: { maxParallelWorkers: parallel, maxPlannerDepth: 2 } }],
      }),
    );
    const seconds = (Date.now() - started) / 1_000;
    const stats = await historyStats(client, taskQueue);
    const biggest = largest(stats, 'events');
    console.log(`orchestration: ${result.tasksDone} tasks in ${seconds.toFixed(1)} s = ${(result.tasksDone / seconds).toFixed(1)} tasks/s`);
    console.log(`  maxParallelWorkers ${parallel}, ${stats.length} workflow runs, largest history ${biggest.events} events (${biggest.type}), ${os.cpus().length} cores, SQLite dev server`);
    await connection.close();
    await clientConnection.close();
  } finally {
    await server?.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
