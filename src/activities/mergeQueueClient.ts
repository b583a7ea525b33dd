import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import type { MergeQueueInput, QueueEntry, TaskOutcome, TaskState, TaskStateRequest } from '../schemas/mergeQueue';
import { enqueueSignal } from '../contract/messages/mergeQueueMessages';
import { leaveQueueWatch, queueWatch } from './queueWatch';

/** How often the tasks waiting on a queue ask it about their submissions. */
const pollMs = 500;

/**
 * The project's workflow task queue, where its merge queue runs: worker tasks run on
 * `<queue>-work`, derived from it.
 */
export function workflowTaskQueueOfWork(activityTaskQueue: string): string {
  return activityTaskQueue.replace(/-work$/, '');
}

export interface QueueAddress {
  client: Client;
  workflowId: string;
  taskQueue: string;
  /** Starts the queue if it is not running (its settings apply from then on). */
  start: MergeQueueInput;
  /** Set on the queue's run when this starts it. */
  searchAttributes?: SearchAttributePair[];
}

/** Joins the queue (signal-with-start brings an idle one back). */
export function enqueue(queue: QueueAddress, entry: QueueEntry): Promise<unknown> {
  return queue.client.workflow.signalWithStart('mergeQueueWorkflow', {
    workflowId: queue.workflowId,
    taskQueue: queue.taskQueue,
    args: [queue.start],
    signal: enqueueSignal,
    signalArgs: [entry],
    staticSummary: `Merge queue of ${queue.start.targetBranch}`,
    ...(queue.searchAttributes ? { typedSearchAttributes: queue.searchAttributes } : {}),
  });
}

/**
 * Joins the queue and waits until the queue has landed or bounced this submission. Waiting is
 * polling (hundreds of waiters must not hold updates open: a workflow takes at most 10 in flight, and
 * an activity cannot be signalled), but shared: every task this process runs on the queue is asked
 * about in one `taskStates` query per tick. A queue that has no record of the submission (its run
 * ended idle, or it never got the signal) is told again; the target's trailers keep that from landing
 * anything twice.
 */
export async function enqueueAndWait(queue: QueueAddress, entry: QueueEntry): Promise<TaskOutcome> {
  const activity = Context.current();
  await enqueue(queue, entry);
  const watch = queueWatch(queue.client, queue.workflowId, pollMs);
  const request = { taskId: entry.taskId, requestId: entry.requestId };
  try {
    for (;;) {
      const tick = await Promise.race([watch.next(request), activity.cancelled]);
      if (tick.kind === 'failed') {
        // The queue may be between runs or its workers busy: ask again on the next tick.
        activity.log.warn('Merge queue did not answer', { workflowId: queue.workflowId, error: String(tick.error) });
        continue;
      }
      const state = tick.states.get(entry.requestId) ?? { state: 'unknown' };
      if (state.state === 'unknown') await enqueue(queue, entry);
      else if (state.state !== 'waiting' && state.state !== 'testing') return state;
    }
  } finally {
    leaveQueueWatch(queue.client, queue.workflowId, watch, entry.requestId);
  }
}

/** Where one submission stands now, asked once (for a parked task whose outcome is overdue). */
export async function askQueue(queue: QueueAddress, request: TaskStateRequest): Promise<TaskState> {
  const watch = queueWatch(queue.client, queue.workflowId, pollMs);
  try {
    const tick = await watch.next(request);
    // Not answering is no answer: the activity's retry asks again.
    if (tick.kind === 'failed') throw tick.error;
    return tick.states.get(request.requestId) ?? { state: 'unknown' };
  } finally {
    leaveQueueWatch(queue.client, queue.workflowId, watch, request.requestId);
  }
}
