import type { FinishedPlanners, LedgerEntry } from '../schemas/projectCarry';
import type { PlannerReport } from '../schemas/plannerReport';
import type { PlannerNode, TaskCounts } from '../schemas/status';
import { addUsage, zeroUsage, type Usage } from '../schemas/usage';
import type { ClaimedTask } from '../schemas/claims';
import { claimSnapshot, grantsByClaims, holdTask, lineUpPerSlot, noteReport, startableTasks, waitingTasks } from './claimRegistry';

export interface SlotGrantOrder {
  plannerId: string;
  count: number;
  /** Granting by claims: the tasks to start. */
  taskIds?: string[];
  /** Tasks lined up behind them, for the planner's next freed slots. */
  next?: string[];
}

/**
 * The project's count of worker slots: which planner holds how many, who waits, and in what order.
 * Pure bookkeeping (no Temporal calls) so it is easy to reason about and to carry across
 * continue-as-new.
 */
export class SlotLedger {
  /**
   * Grants slots to tasks by their claims (see `claimRegistry`) to planners that offer them; off for
   * runs recorded before, which granted counts only.
   */
  byClaims = false;
  /** Lines tasks up behind grants (see `lineUpGrantsPatch`), for planners that take them. */
  lineUps = false;

  constructor(
    private entries: LedgerEntry[],
    private seq: number,
    private finished: FinishedPlanners = emptyFinished(),
  ) {}

  get state(): { ledger: LedgerEntry[]; ledgerSeq: number; ledgerFinished: FinishedPlanners } {
    return { ledger: this.entries, ledgerSeq: this.seq, ledgerFinished: this.finished };
  }

  /**
   * Folds finished planners into counts (before continue-as-new), so the carried state grows with the
   * planners still running, not with every planner the cycle ever had.
   */
  compact(): void {
    const [done, live] = partition(this.entries, (e) => e.report.state === 'done');
    for (const { report } of done) {
      this.finished = {
        planners: this.finished.planners + 1,
        tasks: addCounts(this.finished.tasks, report.tasks),
        tasksStarted: this.finished.tasksStarted + report.tasksStarted,
        usage: addUsage(this.finished.usage, report.usage),
      };
    }
    this.entries = live;
  }

  /** Applies a planner's report; returns false for one from another cycle. */
  apply(report: PlannerReport, cycle: number | undefined): boolean {
    if (report.cycle !== cycle) return false;
    const entry = this.entries.find((e) => e.report.workflowId === report.workflowId);
    if (!entry) {
      const added: LedgerEntry = { report, granted: 0, queuedAt: ++this.seq, closedNotified: false };
      this.entries.push(added);
      if (this.claimsOf(added)) noteReport(added, () => ++this.seq);
      return true;
    }
    // A finished planner sends nothing after its final report; anything later is a stale one.
    if (entry.report.state === 'done') return true;
    const wasWaiting = this.wants(entry) > 0;
    entry.report = report;
    if (this.claimsOf(entry)) noteReport(entry, () => ++this.seq);
    if (!wasWaiting && this.wants(entry) > 0) entry.queuedAt = ++this.seq;
    return true;
  }

  /** A grant that could not be delivered (the planner is gone): nothing is held there any more. */
  forget(plannerId: string): void {
    const entry = this.entries.find((e) => e.report.workflowId === plannerId);
    if (entry) entry.report = { ...entry.report, state: 'done', wantSlots: 0 };
  }

  held(): number {
    return this.entries.reduce((sum, e) => sum + held(e), 0);
  }

  /** Tasks started or about to start (granted but not yet seen by the planner). */
  tasksStarted(): number {
    // Grants on their way to a planner that has finished will never start a task.
    const inFlight = (e: LedgerEntry): number => (e.report.state === 'done' ? 0 : Math.max(0, e.granted - e.report.grantedSeen));
    return this.entries.reduce((sum, e) => sum + e.report.tasksStarted + inFlight(e), this.finished.tasksStarted);
  }

  /**
   * Tasks lined up behind grants that have not started yet: they will, unless their planner pauses
   * or a limit closes it first, so they count against what `maxTasks` leaves, not as started.
   */
  linedUpComing(): number {
    const coming = (e: LedgerEntry): number =>
      e.report.state === 'done' ? 0 : Math.max(0, (e.linedUp ?? 0) - (e.report.lineUpSettled ?? 0));
    return this.entries.reduce((sum, e) => sum + coming(e), 0);
  }

  /**
   * Shares `free` slots one at a time, longest waiter first, so one busy planner cannot starve the
   * others. Records the grants; the caller delivers them.
   */
  grant(free: number, startBudget = free): SlotGrantOrder[] {
    return this.byClaims ? this.grantByClaims(free, startBudget) : this.grantByCount(free);
  }

  private grantByCount(free: number): SlotGrantOrder[] {
    const waiting = this.entries.filter((e) => wants(e) > 0).sort((a, b) => a.queuedAt - b.queuedAt);
    const given = new Map<LedgerEntry, number>();
    let left = free;
    while (left > 0) {
      let progressed = false;
      for (const entry of waiting) {
        if (left === 0) break;
        if ((given.get(entry) ?? 0) < wants(entry)) {
          given.set(entry, (given.get(entry) ?? 0) + 1);
          left--;
          progressed = true;
        }
      }
      if (!progressed) break;
    }
    const grants: { plannerId: string; count: number }[] = [];
    for (const [entry, count] of given) {
      entry.granted += count;
      entry.queuedAt = ++this.seq; // Served: go to the back of the line.
      grants.push({ plannerId: entry.report.workflowId, count });
    }
    return grants;
  }

  /**
   * As by count, one slot at a time, longest-waiting planner first; a planner that offers its tasks
   * gets a slot for a named task whose claims are free (`startableTasks`), others for any task.
   */
  private grantByClaims(free: number, startBudget: number): SlotGrantOrder[] {
    const startable = startableTasks(this.entries);
    const waiting = this.entries
      .filter((e) => this.wants(e) > 0)
      .sort((a, b) => a.queuedAt - b.queuedAt)
      .map((entry) => ({
        entry,
        tasks: this.claimsOf(entry) ? waitingTasks(entry).filter((t) => startable.has(t.taskId)) : undefined,
        given: 0,
      }));
    let left = free;
    while (left > 0) {
      let progressed = false;
      for (const w of waiting) {
        if (left === 0) break;
        if (w.given < (w.tasks ? w.tasks.length : this.wants(w.entry))) {
          w.given++;
          left--;
          progressed = true;
        }
      }
      if (!progressed) break;
    }
    // Startable tasks overlap neither each other nor any held claim, so the rest of a planner's may
    // line up behind its new slots; each slot then serves a few tasks in a row before it goes back.
    let lineUpBudget = startBudget - (free - left);
    const grants: SlotGrantOrder[] = [];
    for (const { entry, tasks, given } of waiting) {
      if (given === 0) continue;
      const plannerId = entry.report.workflowId;
      entry.queuedAt = ++this.seq;
      if (!tasks) {
        entry.granted += given;
        grants.push({ plannerId, count: given });
        continue;
      }
      const named = tasks.slice(0, given);
      for (const task of named) {
        entry.granted++;
        holdTask(entry, task);
      }
      const linedUp = this.takesLineUps(entry)
        ? tasks.slice(given, given + Math.max(0, Math.min(lineUpPerSlot * given, lineUpBudget)))
        : [];
      lineUpBudget -= linedUp.length;
      for (const task of linedUp) holdTask(entry, task);
      if (linedUp.length > 0) entry.linedUp = (entry.linedUp ?? 0) + linedUp.length;
      grants.push({
        plannerId,
        count: given,
        taskIds: named.map((t) => t.taskId),
        ...(linedUp.length > 0 ? { next: linedUp.map((t) => t.taskId) } : {}),
      });
    }
    return grants;
  }

  /** Tasks holding claims and tasks waiting with theirs, across the planner tree. */
  claims(): ClaimedTask[] {
    return this.byClaims ? claimSnapshot(this.entries) : [];
  }

  private takesLineUps(entry: LedgerEntry): boolean {
    return this.lineUps && entry.report.lineUpSettled !== undefined;
  }

  private claimsOf(entry: LedgerEntry): boolean {
    return this.byClaims && grantsByClaims(entry);
  }

  private wants(entry: LedgerEntry): number {
    if (!this.claimsOf(entry)) return wants(entry);
    return waitingTasks(entry).length;
  }

  /**
   * Running planners not yet told that no slots will come. All of them, not only those waiting now:
   * a planner still planning would otherwise go on paying for plans that can never run.
   */
  takeUnnotified(): string[] {
    const ids: string[] = [];
    for (const entry of this.entries) {
      if (entry.report.state !== 'done' && !entry.closedNotified) {
        entry.closedNotified = true;
        ids.push(entry.report.workflowId);
      }
    }
    return ids;
  }

  /** Limits changed and slots may flow again. */
  reopen(): void {
    for (const entry of this.entries) entry.closedNotified = false;
  }

  counts(): TaskCounts {
    return this.entries.reduce((sum, e) => addCounts(sum, e.report.tasks), this.finished.tasks);
  }

  usage(): Usage {
    return this.entries.reduce((sum, e) => addUsage(sum, e.report.usage), this.finished.usage);
  }

  nodes(): PlannerNode[] {
    return this.entries.map(({ report }) => ({
      workflowId: report.workflowId,
      parentId: report.parentId,
      area: report.area,
      depth: report.depth,
      state: report.state,
      round: report.round,
      tasks: report.tasks,
    }));
  }

  /** Planners of the cycle that have not finished. */
  livePlanners(): string[] {
    return this.entries.filter((e) => e.report.state !== 'done').map((e) => e.report.workflowId);
  }

  isDone(plannerId: string): boolean {
    return this.entries.some((e) => e.report.workflowId === plannerId && e.report.state === 'done');
  }

  clear(): void {
    this.entries = [];
    this.finished = emptyFinished();
  }
}

function emptyFinished(): FinishedPlanners {
  return { planners: 0, tasks: { queued: 0, running: 0, done: 0, failed: 0 }, tasksStarted: 0, usage: zeroUsage };
}

function addCounts(a: TaskCounts, b: TaskCounts): TaskCounts {
  return {
    queued: a.queued + b.queued,
    running: a.running + b.running,
    done: a.done + b.done,
    failed: a.failed + b.failed,
    stalled: (a.stalled ?? 0) + (b.stalled ?? 0),
    ...(a.landing !== undefined || b.landing !== undefined ? { landing: (a.landing ?? 0) + (b.landing ?? 0) } : {}),
  };
}

function partition<T>(items: T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item) => !test(item))];
}

/** Slots the entry's planner holds, and the fixes it runs for parked tasks outside them (they count too). */
function held(entry: LedgerEntry): number {
  if (entry.report.state === 'done') return 0;
  return Math.max(0, entry.granted - entry.report.releasedTotal) + (entry.report.fixing ?? 0);
}

function wants(entry: LedgerEntry): number {
  if (entry.report.state === 'done') return 0;
  const inFlight = Math.max(0, entry.granted - entry.report.grantedSeen);
  return Math.max(0, entry.report.wantSlots - inFlight);
}
