import { roleQueueNames, type Role } from './roles';

/**
 * Each role polls its own task queue so it scales and is throttled on its own. Activity queues are
 * derived from the workflow queue (`longhaul` → `longhaul-plan`, …) so one deployment, or one test,
 * can run beside another on the same server.
 */
export const defaultWorkflowTaskQueue = 'longhaul';

export function roleTaskQueue(workflowTaskQueue: string, role: Role): string {
  return `${workflowTaskQueue}-${roleQueueNames[role]}`;
}

/**
 * Where the merge queues' activities run: a task queue of their own, so stack tests never wait behind
 * (or starve) the worker tasks that are themselves waiting on a queue.
 */
export function mergeQueueTaskQueue(workflowTaskQueue: string): string {
  return `${workflowTaskQueue}-merge`;
}
