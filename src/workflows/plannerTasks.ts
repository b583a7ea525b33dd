import { condition, isCancellation, type ActivityOptions } from '@temporalio/workflow';
import type { ActivityFunctionWithOptions } from '@temporalio/workflow';
import type { createActivities } from '../activities/createActivities';
import type { ParkedTask } from '../schemas/queuedTask';
import { addUsage, zeroUsage } from '../schemas/usage';
import type { WorkerTaskInput } from '../schemas/workerTask';
import { describeFailure } from './describeFailure';
import { parkedTaskOutcome } from './parkedTaskOutcome';
import type { PlannerState } from './plannerState';
import type { QueuedTask } from './slotClaim';

type RunWorkerTask = ActivityFunctionWithOptions<ReturnType<typeof createActivities>['runWorkerTask']>;

/** Planners whose tasks give their slot back while their change waits in the merge queue carry this patch. */
export const parkInQueuePatch = 'tasks-park-in-merge-queue';
/** A parked task with no word from the queue this long asks the queue itself (its word may have been lost). */
const queueWordOverdue = '15 minutes';

/**
 * A planner's worker tasks: each queued task starts as a worker activity when a slot is there for
 * it, and its end frees the slot (or starts the task lined up on it). A failed task never fails the
 * planner: it goes back into the next planning step. Through a merge queue, a task's worker ends once
 * its change joined the queue, and the task stays parked here, holding its claims, until the queue's
 * word comes: landed, or bounced, when a worker fixes it at once and it queues again.
 */
export class PlannerTasks {
  constructor(
    private readonly state: PlannerState,
    private readonly runWorkerTask: RunWorkerTask,
    private readonly workOptions: ActivityOptions,
    private readonly throwIfReportFailed: () => void,
    private readonly updateDetails: () => void,
  ) {}

  private inputFor(item: Pick<QueuedTask, 'taskId' | 'task'>): WorkerTaskInput {
    const { state } = this;
    return {
      scope: state.input.scope,
      taskId: item.taskId,
      plannerId: state.self,
      task: item.task,
      steering: [...state.relay.steering],
      ...(state.parksInQueue ? { parkInQueue: true } : {}),
    };
  }

  start(item: QueuedTask): void {
    const { state } = this;
    state.taskStarted(item, new Date().toISOString());
    this.runWorkerTask
      .executeWithOptions({ ...this.workOptions, summary: `Task ${item.taskId}: ${item.task.title}` }, [this.inputFor(item)])
      .then(
        (result) => {
          if (result.status === 'queued') {
            state.taskParked(result);
            void this.awaitLanding(item, result);
            return;
          }
          const { usage, ...rest } = result;
          state.taskFinished(rest, usage);
        },
        (err: unknown) =>
          state.taskFinished(
            { taskId: item.taskId, title: item.task.title, status: 'failed', summary: `Task failed: ${describeFailure(err)}` },
            zeroUsage,
          ),
      )
      .finally(() => {
        const next = state.taskEnded();
        if (next) this.start(next);
        this.updateDetails();
      });
  }

  /**
   * A parked task until it ends: waits for the queue's word (asking the queue when it is overdue),
   * and has a bounce fixed by a worker right away, outside the slots (it had its turn; the project
   * counts the fix against the parallel-worker limit), until it lands or fails for good.
   */
  private async awaitLanding(item: QueuedTask, first: ParkedTask): Promise<void> {
    const { state } = this;
    const { taskId } = item;
    const maxRequeues = state.input.scope.settings.mergeQueue?.maxRequeues;
    let parked = first;
    try {
      for (;;) {
        const heard = await condition(() => state.queueWordFor(taskId) !== undefined, queueWordOverdue);
        const word = heard ? state.queueWordFor(taskId) : undefined;
        const ended = word && parkedTaskOutcome(parked, word.outcome, maxRequeues);
        if (ended) return state.parkedTaskFinished(ended, zeroUsage);
        state.fixStarted(taskId);
        const fixed = await this.runWorkerTask
          .executeWithOptions({ ...this.workOptions, summary: `Task ${taskId}: back from the merge queue` }, [
            {
              ...this.inputFor(item),
              landing: { submission: parked.submission, ...(word ? { bounce: word.outcome } : {}), billedBefore: parked.usage },
            },
          ])
          .finally(() => state.fixEnded(taskId));
        const { usage, ...result } = fixed;
        if (result.status === 'queued') {
          state.parkedAgain(taskId, result.submission, usage);
          parked = { ...parked, submission: result.submission, usage: addUsage(parked.usage, usage) };
          continue;
        }
        // The work's own account stands; a fix only adds how it ended.
        const { usage: _before, submission: _submission, status: _queued, ...task } = parked;
        return state.parkedTaskFinished({ ...task, ...result, summary: result.status === 'done' ? task.summary : result.summary }, usage);
      }
    } catch (err) {
      // Cancelled with the planner: the cancellation handler waits for the fix to stop, nothing else is owed.
      if (isCancellation(err)) return;
      state.parkedTaskFinished(
        {
          taskId,
          title: item.task.title,
          transcriptRef: parked.transcriptRef,
          status: 'failed',
          summary: `Task failed: ${describeFailure(err)}`,
        },
        zeroUsage,
      );
    } finally {
      this.updateDetails();
    }
  }

  /** Starts queued tasks on the slots there are, gives back what cannot be used, tells the project. */
  dispatchQueued(): void {
    const { state } = this;
    const { slots } = state;
    if (slots.closed) state.skipQueued();
    for (let item = slots.take(state.paused); item; item = slots.take(state.paused)) this.start(item);
    slots.releaseUnused(state.paused);
    state.changed();
    this.updateDetails();
  }

  /** Runs this round's tasks as slots arrive, returning unused slots at once. */
  async drainQueue(): Promise<void> {
    const { state } = this;
    const { slots } = state;
    while (slots.queue.length > 0 || !state.tasksSettled()) {
      this.dispatchQueued();
      if (slots.queue.length === 0 && state.tasksSettled()) break; // Everything was skipped: nothing left to wait for.
      const seen = state.version;
      await condition(() => state.version !== seen);
      this.throwIfReportFailed();
    }
  }
}
