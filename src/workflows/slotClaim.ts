import type { SlotGrant } from '../contract/messages/plannerMessages';
import { maxOfferedTasks, type OfferedTask } from '../schemas/claims';
import type { PlannedTask } from '../schemas/task';

export interface QueuedTask {
  taskId: string;
  task: PlannedTask;
  /** The task's paths as the claim registry holds them. */
  claims: string[];
}

/**
 * A planner's half of the slot protocol: its queue of tasks and the worker slots the project granted
 * it. Counters are cumulative, so the project can reconcile reports that cross grants in flight.
 * The project's half is `SlotLedger`.
 */
export class SlotClaim {
  readonly queue: QueuedTask[] = [];
  /** Granted and not yet used. */
  available = 0;
  grantedSeen = 0;
  releasedTotal = 0;
  tasksStarted = 0;
  /** Set once the project said no more slots will come (a limit was reached). */
  closed = false;
  closedReason?: string;

  /** Set when the project grants slots to named tasks by their claims (see `claimRegistry`). */
  byClaims = false;

  grant(grant: SlotGrant): void {
    this.grantedSeen += grant.count;
    this.available += grant.count;
    if (grant.closed && !this.closed) {
      this.closed = true;
      this.closedReason = grant.reason;
    }
  }

  /**
   * A grant for named tasks: returns those to start now. A slot for a task that is gone (cancelled)
   * or cannot start (paused, closed) goes straight back; the task stays queued and is offered again.
   */
  grantNamed(grant: SlotGrant & { taskIds: string[] }, paused: boolean): QueuedTask[] {
    this.grant({ ...grant, count: 0 });
    this.grantedSeen += grant.count;
    const starting: QueuedTask[] = [];
    for (const taskId of grant.taskIds) {
      const at = this.queue.findIndex((q) => q.taskId === taskId);
      if (at < 0 || paused || this.closed) {
        this.releasedTotal++;
        continue;
      }
      starting.push(...this.queue.splice(at, 1));
      this.tasksStarted++;
    }
    return starting;
  }

  /** The head of the queue, offered to the project's claim registry for slots. */
  offered(paused: boolean): OfferedTask[] {
    if (paused || this.closed) return [];
    return this.queue.slice(0, maxOfferedTasks).map((q) => ({ taskId: q.taskId, claims: q.claims }));
  }

  /** The next task a free slot can run, or undefined. */
  take(paused: boolean): QueuedTask | undefined {
    if (this.available === 0 || this.queue.length === 0 || paused) return undefined;
    this.available--;
    this.tasksStarted++;
    return this.queue.shift();
  }

  /** Gives back slots nothing here can use now, so other planners get them. */
  releaseUnused(paused: boolean): void {
    if (this.available > 0 && (this.queue.length === 0 || paused)) {
      this.releasedTotal += this.available;
      this.available = 0;
    }
  }

  /** A running task ended: its slot goes back to the project. */
  taskEnded(): void {
    this.releasedTotal++;
  }

  /** Slots this planner could use now: queued tasks not yet covered by a grant. */
  wantSlots(paused: boolean): number {
    return paused || this.closed ? 0 : Math.max(0, this.queue.length - this.available);
  }

  closedBecause(): string {
    return this.closedReason ?? 'a project limit was reached';
  }
}
