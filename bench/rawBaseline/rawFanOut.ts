import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, Worker, type NativeConnection } from '@temporalio/worker';
import { quietLogger } from '../../test/support/quietLogger';
import { rawActivities } from './rawActivities';
import { rawFanOutWorkflow } from './rawFanOutWorkflow';

export interface FanOutShape {
  /** Workflows started at once, like the leaf planners of the longhaul run. */
  workflows: number;
  activitiesPerWorkflow: number;
  /** Activities running at once across all of them, like `maxParallelWorkers`. */
  parallel: number;
}

/**
 * Plain Temporal on the same server: as many no-op activities as longhaul runs tasks, with the same
 * parallelism, fanned out by as many workflows as it has leaf planners. Returns activities per second.
 */
export async function rawActivitiesPerSecond(connection: NativeConnection, client: Client, shape: FanOutShape): Promise<number> {
  const taskQueue = `raw-${Date.now().toString(36)}`;
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowBundle: await bundleWorkflowCode({ workflowsPath: require.resolve('./rawFanOutWorkflow'), logger: quietLogger() }),
    activities: rawActivities,
    maxConcurrentActivityTaskExecutions: shape.parallel,
  });
  return worker.runUntil(async () => {
    const started = Date.now();
    const perWorkflow = Math.max(1, Math.ceil(shape.parallel / shape.workflows));
    const runs = Array.from({ length: shape.workflows }, (_, i) =>
      client.workflow.execute(rawFanOutWorkflow, {
        taskQueue,
        workflowId: `${taskQueue}-${i}`,
        args: [shape.activitiesPerWorkflow, perWorkflow],
      }),
    );
    const done = (await Promise.all(runs)).reduce((sum, n) => sum + n, 0);
    return done / ((Date.now() - started) / 1_000);
  });
}
