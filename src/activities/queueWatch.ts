import { QueryNotRegisteredError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { z } from 'zod';
import { TaskState, type TaskStateRequest } from '../schemas/mergeQueue';
import { taskStateQuery, taskStatesQuery } from '../contract/messages/mergeQueueMessages';

/** What one tick learnt: every registered submission's state, or why the queue could not say. */
export type WatchTick = { kind: 'answered'; states: ReadonlyMap<string, TaskState> } | { kind: 'failed'; error: unknown };

/**
 * The waiting tasks of one process on one merge queue. Each waiter registers its submission and
 * awaits the next tick; a tick asks the queue once, with the `taskStates` query, about every
 * submission registered by then. So a machine running many tasks puts one query per tick on the
 * queue's workflow, not one per task. Ticks run only while someone waits.
 */
export class QueueWatch {
  private readonly requests = new Map<string, TaskStateRequest>();
  private nextTick?: Promise<WatchTick>;

  constructor(
    private readonly handle: WorkflowHandle,
    private readonly intervalMs: number,
  ) {}

  /** The states as of the next tick, `request`'s among them. */
  next(request: TaskStateRequest): Promise<WatchTick> {
    this.requests.set(request.requestId, request);
    this.nextTick ??= new Promise<void>((resolve) => setTimeout(resolve, this.intervalMs)).then(() => this.tick());
    return this.nextTick;
  }

  /** `requestId` waits no more (settled, or its activity ended). */
  leave(requestId: string): void {
    this.requests.delete(requestId);
  }

  get waiting(): number {
    return this.requests.size;
  }

  private async tick(): Promise<WatchTick> {
    // Whoever registers from now on waits for the following tick.
    this.nextTick = undefined;
    const requests = [...this.requests.values()];
    try {
      const states = requests.length === 0 ? [] : await this.ask(requests);
      return { kind: 'answered', states: new Map(requests.map((request, i) => [request.requestId, states[i]])) };
    } catch (error) {
      // No run at all (it ended idle): nobody is known, and each waiter submits again.
      if (error instanceof WorkflowNotFoundError) {
        return { kind: 'answered', states: new Map(requests.map((request) => [request.requestId, { state: 'unknown' }])) };
      }
      return { kind: 'failed', error };
    }
  }

  private async ask(requests: TaskStateRequest[]): Promise<TaskState[]> {
    try {
      return z
        .array(TaskState)
        .length(requests.length)
        .parse(await this.handle.query(taskStatesQuery, requests));
    } catch (error) {
      // A queue run by workflow code from before the shared query (during an upgrade): one by one.
      if (!(error instanceof QueryNotRegisteredError)) throw error;
      return Promise.all(requests.map(async (request) => TaskState.parse(await this.handle.query(taskStateQuery, request))));
    }
  }
}

/** One watch per client and queue in this process, for as long as anyone waits on it. */
const watches = new WeakMap<Client, Map<string, QueueWatch>>();

export function queueWatch(client: Client, workflowId: string, intervalMs: number): QueueWatch {
  let byQueue = watches.get(client);
  if (byQueue === undefined) watches.set(client, (byQueue = new Map()));
  let watch = byQueue.get(workflowId);
  if (watch === undefined) byQueue.set(workflowId, (watch = new QueueWatch(client.workflow.getHandle(workflowId), intervalMs)));
  return watch;
}

/** Forgets the watch once its last waiter left, so a long-lived process keeps none for past queues. */
export function leaveQueueWatch(client: Client, workflowId: string, watch: QueueWatch, requestId: string): void {
  watch.leave(requestId);
  if (watch.waiting === 0 && watches.get(client)?.get(workflowId) === watch) watches.get(client)?.delete(workflowId);
}
