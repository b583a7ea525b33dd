import { condition, type ActivityOptions } from '@temporalio/workflow';
import type { ActivityFunctionWithOptions } from '@temporalio/workflow';
import type { createActivities } from '../activities/createActivities';
import { zeroUsage } from '../schemas/usage';
import { describeFailure } from './describeFailure';
import type { PlannerState } from './plannerState';
import type { QueuedTask } from './slotClaim';

type RunWorkerTask = ActivityFunctionWithOptions<ReturnType<typeof createActivities>['runWorkerTask']>;

/**
 * A planner's worker tasks: each queued task starts as a worker activity when a slot is there for
 * it, and its end frees the slot (or starts the task lined up on it). A failed task never fails the
 * planner: it goes back into the next planning step.
 */
export class PlannerTasks {
  constructor(
    private readonly state: PlannerState,
    private readonly runWorkerTask: RunWorkerTask,
    private readonly workOptions: ActivityOptions,
    private readonly throwIfReportFailed: () => void,
    private readonly updateDetails: () => void,
  ) {}

  start(item: QueuedTask): void {
    const { state } = this;
    const { scope } = state.input;
    state.taskStarted(item, new Date().toISOString());
    this.runWorkerTask
      .executeWithOptions({ ...this.workOptions, summary: `Task ${item.taskId}: ${item.task.title}` }, [
        { scope, taskId: item.taskId, plannerId: state.self, task: item.task, steering: [...state.relay.steering] },
      ])
      .then(
        ({ usage, ...result }) => state.taskFinished(result, usage),
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
    while (slots.queue.length > 0 || state.running > 0) {
      this.dispatchQueued();
      if (slots.queue.length === 0 && state.running === 0) break; // Everything was skipped: nothing left to wait for.
      const seen = state.version;
      await condition(() => state.version !== seen);
      this.throwIfReportFailed();
    }
  }
}
