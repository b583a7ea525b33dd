import type { SlotGrant } from '../contract/messages/plannerMessages';
import type { PlannedTask } from '../schemas/task';

export interface QueuedTask {
  taskId: string;
  task: PlannedTask;
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

  grant(grant: SlotGrant): void {
    this.grantedSeen += grant.count;
    this.available += grant.count;
    if (grant.closed && !this.closed) {
      this.closed = true;
      this.closedReason = grant.reason;
    }
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
