import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export interface HistoryStat {
  workflowId: string;
  runId: string;
  type: string;
  events: number;
  bytes: number;
}

/** Every run (continued-as-new runs included) that ran on a test's task queue, with its history size. */
export async function historyStats(client: Client, taskQueue: string): Promise<HistoryStat[]> {
  const stats: HistoryStat[] = [];
  for await (const execution of client.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) {
    const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    stats.push({
      workflowId: execution.workflowId,
      runId: execution.runId,
      type: execution.type,
      events: history.events?.length ?? 0,
      bytes: temporal.api.history.v1.History.encode(history).finish().length,
    });
  }
  return stats;
}

export function largest(stats: HistoryStat[], by: 'events' | 'bytes'): HistoryStat {
  return stats.reduce((a, b) => (b[by] > a[by] ? b : a));
}
