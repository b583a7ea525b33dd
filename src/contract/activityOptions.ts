import type { ActivityOptions } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { ActivityCancellationType } from '@temporalio/workflow';
import type { Role } from './roles';
import { roleTaskQueue } from './taskQueues';

/**
 * How long a silent agent is given before Temporal retries its activity elsewhere: agents heartbeat
 * every few seconds while alive, so this is about how fast work moves off a dead worker.
 */
export const defaultHeartbeatSeconds = 60;

/** Attempts of a worker task; model outages are waited out inside an attempt and do not use them up. */
export const workerTaskAttempts = 4;

// How long one attempt may take, and how often it is tried, per role. Planning and judging are retried
// for as long as the failure is retryable; a worker task is retried a few times after its own failures
// (a crash, an error of its own), then goes back to its planner as failed.
const roleLimits: Record<Role, { startToCloseTimeout: Duration; initialInterval: Duration; maximumAttempts?: number }> = {
  planner: { startToCloseTimeout: '30 minutes', initialInterval: '2 seconds' },
  worker: { startToCloseTimeout: '4 hours', initialInterval: '5 seconds', maximumAttempts: workerTaskAttempts },
  judge: { startToCloseTimeout: '1 hour', initialInterval: '2 seconds' },
};

/**
 * Options for a role's agent activities. Errors that must not be retried (bad input, a rejected API
 * key, a prompt too long for the model) are thrown as non-retryable ApplicationFailures. Cancellation
 * waits for the activity to acknowledge it, so a cancelled run never leaves an agent writing into a
 * worktree behind its back.
 */
export function roleActivityOptions(role: Role, workflowTaskQueue: string, heartbeatSeconds = defaultHeartbeatSeconds): ActivityOptions {
  const limits = roleLimits[role];
  return {
    taskQueue: roleTaskQueue(workflowTaskQueue, role),
    startToCloseTimeout: limits.startToCloseTimeout,
    heartbeatTimeout: heartbeatSeconds * 1_000,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      initialInterval: limits.initialInterval,
      backoffCoefficient: 2,
      maximumInterval: '5 minutes',
      maximumAttempts: limits.maximumAttempts,
    },
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
