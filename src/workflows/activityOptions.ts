import type { ActivityOptions } from '@temporalio/workflow';
import { ActivityCancellationType } from '@temporalio/workflow';
import { roleTaskQueue } from './taskQueues';

/**
 * How long a silent agent is given before Temporal retries its activity elsewhere: agents heartbeat
 * every few seconds while alive, so this is about how fast work moves off a dead worker.
 */
export const defaultHeartbeatSeconds = 60;

/**
 * One place for the timeouts of each role. Errors that must not be retried (bad input, a rejected API
 * key, a prompt too long for the model) are thrown as non-retryable ApplicationFailures. Cancellation waits for the activity to acknowledge it, so
 * a cancelled run never leaves an agent writing into a worktree behind its back.
 */
export function planActivityOptions(workflowTaskQueue: string, heartbeatSeconds = defaultHeartbeatSeconds): ActivityOptions {
  return {
    taskQueue: roleTaskQueue(workflowTaskQueue, 'plan'),
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: heartbeatSeconds * 1_000,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 6 },
  };
}

export function workActivityOptions(workflowTaskQueue: string, heartbeatSeconds = defaultHeartbeatSeconds): ActivityOptions {
  return {
    taskQueue: roleTaskQueue(workflowTaskQueue, 'work'),
    startToCloseTimeout: '4 hours',
    heartbeatTimeout: heartbeatSeconds * 1_000,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 4 },
  };
}

export function judgeActivityOptions(workflowTaskQueue: string, heartbeatSeconds = defaultHeartbeatSeconds): ActivityOptions {
  return {
    taskQueue: roleTaskQueue(workflowTaskQueue, 'judge'),
    startToCloseTimeout: '1 hour',
    heartbeatTimeout: heartbeatSeconds * 1_000,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 6 },
  };
}

/** Short bookkeeping activities that run beside the workflows. */
export function controlActivityOptions(workflowTaskQueue: string): ActivityOptions {
  return {
    taskQueue: workflowTaskQueue,
    startToCloseTimeout: '1 minute',
    retry: { maximumAttempts: 5 },
  };
}
