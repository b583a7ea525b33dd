import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { TaskState, type MergeQueueInput, type QueueEntry, type TaskOutcome } from '../schemas/mergeQueue';
import { enqueueSignal, taskStateQuery } from '../contract/messages/mergeQueueMessages';

/** How often a waiting task asks the queue about its submission. */
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
}

function enqueue(queue: QueueAddress, entry: QueueEntry): Promise<unknown> {
  return queue.client.workflow.signalWithStart('mergeQueueWorkflow', {
    workflowId: queue.workflowId,
    taskQueue: queue.taskQueue,
    args: [queue.start],
    signal: enqueueSignal,
    signalArgs: [entry],
    staticSummary: `Merge queue of ${queue.start.targetBranch}`,
  });
}

/**
 * Joins the queue and waits, polling the `taskState` query (hundreds of waiters must not hold
 * updates open: a workflow takes at most 10 in flight), until the queue has landed or bounced this
 * submission. A queue that has no record of it (its run ended idle, or it never got the signal) is
 * told again; the target's trailers keep that from landing anything twice.
 */
export async function enqueueAndWait(queue: QueueAddress, entry: QueueEntry): Promise<TaskOutcome> {
  const activity = Context.current();
  await enqueue(queue, entry);
  const handle = queue.client.workflow.getHandle(queue.workflowId);
  for (;;) {
    await activity.sleep(pollMs);
    let state: TaskState;
    try {
      state = TaskState.parse(await handle.query(taskStateQuery, { taskId: entry.taskId, requestId: entry.requestId }));
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) {
        // The queue may be between runs or its workers busy: ask again on the next tick.
        activity.log.warn('Merge queue did not answer', { workflowId: queue.workflowId, error: String(error) });
        continue;
      }
      state = { state: 'unknown' };
    }
    if (state.state === 'unknown') await enqueue(queue, entry);
    else if (state.state !== 'waiting' && state.state !== 'testing') return state;
  }
}
