import { proxyActivities } from '@temporalio/workflow';
import type { rawActivities } from './rawActivities';

const { noop } = proxyActivities<typeof rawActivities>({ startToCloseTimeout: '1 minute' });

/**
 * The baseline a longhaul leaf planner is measured against: a workflow that runs `count` no-op
 * activities, at most `parallel` at a time, and nothing else (no planning, no slots, no reports).
 */
export async function rawFanOutWorkflow(count: number, parallel: number): Promise<number> {
  let next = 0;
  async function lane(): Promise<void> {
    while (next < count) {
      next++;
      await noop();
    }
  }
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, () => lane()));
  return count;
}
