import type { PlannerReport } from '../schemas/plannerReport';
import type { PlannerStatus } from '../schemas/plannerStatus';
import type { PlannerInput, PlannerSummary } from '../schemas/planner';
import type { FailedTask, PendingTask, PlanResult, PlanStepInput, SubplannerOutcome } from '../schemas/plan';
import type { PlannerState as PlannerPhase, TaskCounts } from '../schemas/status';
import { maxRegistryClaims } from '../schemas/claims';
import { registryClaims } from '../schemas/claimPaths';
import { addSubtreeTotals, subtreeTotalsOf } from '../schemas/subtreeTotals';
import { clip, outsideClaimsNote, type TaskOutcome, type TaskResult, type TaskStatus } from '../schemas/task';
import { addUsage, zeroUsage, type Usage } from '../schemas/usage';
import { OperatorRelay } from './operatorRelay';
import { SlotClaim, type QueuedTask } from './slotClaim';
import type { ParkedTask } from '../schemas/queuedTask';
import type { QueueOutcomeNotice } from '../schemas/mergeQueue';

interface TaskView {
  taskId: string;
  title: string;
  state: 'queued' | 'running' | 'landing' | TaskStatus;
  startedAt?: string;
  summary?: string;
}

export interface ChildPlanner {
  workflowId: string;
  area: string;
  result?: PlannerSummary;
  failure?: string;
}

const recentTaskViews = 50;
const keptFailures = 50;
/** Finished tasks a summary carries up the tree, the latest first kept. */
const keptOutcomes = 60;

/**
 * Everything one planner knows: its phase and round, its tasks and sub-planners, what came back
 * since its last planning step, and its half of the slot protocol. Every change the workflow may be
 * waiting on goes through `changed()`, which also tells the report loop there is news for the project.
 */
export class PlannerState {
  phase: PlannerPhase = 'planning';
  round = 0;
  running = 0;
  done = 0;
  failed = 0;
  /** Of the failed, stopped for looping. */
  stalled = 0;
  skipped = 0;
  commits = 0;
  usage: Usage = zeroUsage;
  lastPlanSummary?: string;
  readonly slots = new SlotClaim();
  readonly relay: OperatorRelay;
  readonly children: ChildPlanner[] = [];
  resultsSincePlan: Omit<TaskResult, 'usage'>[] = [];
  /** Every task that did not land this cycle (the latest ones), for each planning step. */
  readonly failureRecord: FailedTask[] = [];
  private readonly outcomes: TaskOutcome[] = [];
  /** Set when results that arrive during a planning step are kept for the next one (see `plannerKeepsNewsPatch`). */
  keepsNewsDuringSteps = false;
  /** Set when a task through the merge queue gives its slot back while it waits there (see `parkInQueuePatch`). */
  parksInQueue = false;
  /** Tasks waiting in the merge queue with no worker on them; their claims stay held until they end. */
  readonly parked = new Map<string, ParkedTask>();
  /** Parked tasks a worker is fixing after a bounce, outside this planner's slots. */
  fixing = 0;
  /** The queue's latest word on each parked task (it may come before the task is parked). */
  private readonly queueWords = new Map<string, QueueOutcomeNotice>();
  private givenToStep = { results: 0, outcomes: 0 };
  /** Set when this planner plans again as results arrive instead of once per round. */
  wakesOnResults = false;
  outcomesSincePlan: SubplannerOutcome[] = [];
  private readonly views: TaskView[] = [];
  /** Running tasks and their claims. */
  private readonly runningClaims = new Map<string, string[]>();
  private taskSeq = 0;
  /** Bumped by every event the workflow may be waiting on. */
  version = 0;

  constructor(
    readonly self: string,
    readonly input: PlannerInput,
  ) {
    this.relay = new OperatorRelay(input, () => this.liveChildren().map((c) => c.workflowId));
  }

  changed(): void {
    this.version++;
  }

  get paused(): boolean {
    return this.relay.paused;
  }

  displayedPhase(): PlannerPhase {
    return this.paused && this.phase !== 'done' ? 'paused' : this.phase;
  }

  liveChildren(): ChildPlanner[] {
    return this.children.filter((c) => !c.result && !c.failure);
  }

  /** Takes a planning step's result: its tasks join the queue with ids unique in the project. */
  planned(plan: PlanResult): void {
    this.usage = addUsage(this.usage, plan.usage);
    this.lastPlanSummary = plan.summary;
    if (this.keepsNewsDuringSteps) {
      // What came back while the step ran was not in its input: the next step hears of it.
      this.resultsSincePlan.splice(0, this.givenToStep.results);
      this.outcomesSincePlan.splice(0, this.givenToStep.outcomes);
    } else {
      this.resultsSincePlan = [];
      this.outcomesSincePlan = [];
    }
    this.round++;
    for (const task of plan.tasks) {
      const taskId = `c${this.input.scope.cycle}.${this.input.path}.r${this.round}.${++this.taskSeq}`;
      this.slots.queue.push({ taskId, task, claims: registryClaims(task.files ?? [], maxRegistryClaims) });
      this.views.push({ taskId, title: task.title, state: 'queued' });
      if (this.views.length > recentTaskViews * 2) this.views.splice(0, this.views.length - recentTaskViews);
    }
  }

  taskStarted(item: QueuedTask, at: string): void {
    const { taskId } = item;
    this.running++;
    this.runningClaims.set(taskId, item.claims);
    this.updateView(taskId, { state: 'running', startedAt: at });
  }

  /** The task's worker ended with its change in the merge queue: the slot goes back (`taskEnded`), the claims stay. */
  taskParked({ usage, ...task }: ParkedTask): void {
    this.usage = addUsage(this.usage, usage);
    this.parked.set(task.taskId, { ...task, usage });
    this.updateView(task.taskId, { state: 'landing', summary: task.summary.slice(0, 300) });
  }

  /** A parked task's submission changed (a fix queued it again); what the fix cost is counted now. */
  parkedAgain(taskId: string, submission: ParkedTask['submission'], usage: Usage): void {
    this.usage = addUsage(this.usage, usage);
    const parked = this.parked.get(taskId);
    if (parked) this.parked.set(taskId, { ...parked, submission, usage: addUsage(parked.usage, usage) });
  }

  noteQueueWord(notice: QueueOutcomeNotice): void {
    this.queueWords.set(notice.taskId, notice);
    this.changed();
  }

  /** The queue's word on a parked task's current submission (a landing counts whichever submission landed). */
  queueWordFor(taskId: string): QueueOutcomeNotice | undefined {
    const parked = this.parked.get(taskId);
    const word = this.queueWords.get(taskId);
    if (!parked || !word) return undefined;
    return word.outcome.state !== 'bounced' || word.requestId === parked.submission.requestId ? word : undefined;
  }

  fixStarted(taskId: string): void {
    this.queueWords.delete(taskId);
    this.fixing++;
    this.updateView(taskId, { state: 'running' });
    this.changed();
  }

  fixEnded(taskId: string): void {
    this.fixing--;
    if (this.parked.has(taskId)) this.updateView(taskId, { state: 'landing' });
    this.changed();
  }

  /** A parked task landed or failed for good; its claims go back with it. */
  parkedTaskFinished(result: Omit<TaskResult, 'usage'>, taskUsage: Usage): void {
    this.parked.delete(result.taskId);
    this.queueWords.delete(result.taskId);
    this.taskFinished(result, taskUsage);
    this.changed();
  }

  taskFinished(result: Omit<TaskResult, 'usage'>, taskUsage: Usage): void {
    this.usage = addUsage(this.usage, taskUsage);
    this.runningClaims.delete(result.taskId);
    if (result.status === 'done') this.done++;
    else this.failed++;
    if (result.status === 'stalled') this.stalled++;
    if (result.commit) this.commits++;
    this.resultsSincePlan.push(result);
    this.outcomes.push({
      taskId: result.taskId,
      title: result.title,
      status: result.status,
      summary: clip(result.summary, 500),
      commit: result.commit,
      ...(result.outsideClaims ? { outsideClaims: outsideClaimsNote(result.outsideClaims.files, result.outsideClaims.total, 5) } : {}),
    });
    if (this.outcomes.length > keptOutcomes) this.outcomes.splice(0, this.outcomes.length - keptOutcomes);
    if (result.status !== 'done') {
      this.failureRecord.push({ taskId: result.taskId, title: result.title, status: result.status, reason: clip(result.summary, 2_000) });
      if (this.failureRecord.length > keptFailures) this.failureRecord.splice(0, this.failureRecord.length - keptFailures);
    }
    this.updateView(result.taskId, { state: result.status, summary: result.summary.slice(0, 300) });
  }

  /** A sub-planner ended; a planner that wakes on results hears of it at its next step. */
  childFinished(outcome: SubplannerOutcome): void {
    if (this.wakesOnResults) this.outcomesSincePlan.push(outcome);
  }

  /** Drops queued tasks a planning step no longer wants; they are never started. */
  cancelQueued(taskIds: readonly string[]): void {
    const cancelled = new Set(taskIds);
    const { queue } = this.slots;
    for (let i = queue.length - 1; i >= 0; i--) {
      if (!cancelled.has(queue[i].taskId)) continue;
      const [item] = queue.splice(i, 1);
      this.skipped++;
      this.updateView(item.taskId, { state: 'skipped', summary: 'Cancelled by its planner before it started.' });
    }
  }

  /** What the next planning step is given: the area, what came back since the last step, what is pending. */
  planStepInput(): PlanStepInput {
    const { input } = this;
    this.givenToStep = { results: this.resultsSincePlan.length, outcomes: this.outcomesSincePlan.length };
    return {
      scope: input.scope,
      plannerId: this.self,
      area: input.area,
      areaGoal: input.areaGoal,
      depth: input.depth,
      round: this.round,
      steering: [...this.relay.steering],
      // Clipped so that even a large round keeps the activity's input far below payload limits.
      results: this.resultsSincePlan.map((r) => ({ ...r, summary: clip(r.summary, 1_000) })),
      subplannerOutcomes: this.outcomesSincePlan.map((o) => ({ ...o, summary: clip(o.summary, 1_000) })),
      pending: this.pending(),
      failureRecord: this.failureRecord,
      ...(this.slots.byClaims ? { checkClaims: true } : {}),
    };
  }

  /** Results or sub-planner outcomes the planner has not planned on yet. */
  hasNews(): boolean {
    return this.resultsSincePlan.length > 0 || this.outcomesSincePlan.length > 0;
  }

  /** Nothing queued, running or delegated: the area waits for nothing. */
  idle(): boolean {
    return this.slots.queue.length === 0 && this.tasksSettled() && this.liveChildren().length === 0;
  }

  /** No task of this planner runs or waits in the merge queue. */
  tasksSettled(): boolean {
    return this.running === 0 && this.parked.size === 0;
  }

  /** What is still queued or running, as a planning step sees it. */
  pending(): PendingTask[] {
    const queued = this.slots.queue.map((q) => ({
      taskId: q.taskId,
      title: q.task.title,
      state: 'queued' as const,
      ...this.claimsShown(q.claims),
    }));
    const running = this.views
      // A task in the merge queue is still in flight: its claims hold, and it may come back to be fixed.
      .filter((v) => v.state === 'running' || v.state === 'landing')
      .map((v) => ({ taskId: v.taskId, title: v.title, state: 'running' as const, ...this.claimsShown(this.runningClaims.get(v.taskId)) }));
    return [...running, ...queued].slice(0, 200);
  }

  /** After `taskFinished` (or a failure with no result): the slot goes back. */
  taskEnded(): QueuedTask | undefined {
    this.running--;
    const next = this.slots.taskEnded(this.paused);
    this.changed();
    return next;
  }

  skipQueued(): void {
    const reason = `Not started: ${this.slots.closedBecause()}`;
    for (const item of this.slots.queue.splice(0)) {
      this.skipped++;
      this.updateView(item.taskId, { state: 'skipped', summary: reason });
    }
  }

  /**
   * What the project must hear at once: the phase, the slots wanted, given back or seen. Other
   * changes (counts, usage, which task runs on a slot) may wait a moment and travel together.
   */
  urgentReportKey(): string {
    const { slots } = this;
    return `${this.displayedPhase()}|${slots.wantSlots(this.paused)}|${slots.releasedTotal}|${slots.grantedSeen}|${slots.closed}|${this.fixing}`;
  }

  report(): PlannerReport {
    return {
      workflowId: this.self,
      parentId: this.input.parentId,
      cycle: this.input.scope.cycle,
      area: this.input.area,
      depth: this.input.depth,
      state: this.displayedPhase(),
      round: this.round,
      tasks: this.taskCounts(),
      wantSlots: this.slots.wantSlots(this.paused),
      grantedSeen: this.slots.grantedSeen,
      releasedTotal: this.slots.releasedTotal,
      tasksStarted: this.slots.tasksStarted,
      usage: this.usage,
      ...(this.slots.byClaims
        ? { offered: this.slots.offered(this.paused), running: [...this.runningClaims.keys(), ...this.slots.lineUp] }
        : {}),
      ...(this.slots.takesLineUps ? { lineUpSettled: this.slots.lineUpSettled } : {}),
      ...(this.parksInQueue ? { fixing: this.fixing } : {}),
    };
  }

  /** Planners that grant by claims tell each planning step what their own tasks claim. */
  private claimsShown(claims: string[] | undefined): { claims?: string[] } {
    return this.slots.byClaims && claims ? { claims } : {};
  }

  status(): PlannerStatus {
    return {
      workflowId: this.self,
      area: this.input.area,
      areaGoal: this.input.areaGoal,
      depth: this.input.depth,
      state: this.displayedPhase(),
      round: this.round,
      paused: this.paused,
      closed: this.slots.closed,
      steering: this.relay.steering,
      tasks: this.taskCounts(),
      recentTasks: this.views.slice(-recentTaskViews),
      children: this.children.map((c) => ({
        workflowId: c.workflowId,
        area: c.area,
        finished: Boolean(c.result || c.failure),
        tasksDone: c.result?.tasksDone,
        tasksFailed: c.result?.tasksFailed,
      })),
      usage: this.usage,
      lastPlanSummary: this.lastPlanSummary,
    };
  }

  /** The live view in the Web UI. */
  details(): string {
    const { queue, closed } = this.slots;
    return [
      `**${this.input.area}** (depth ${this.input.depth}, round ${this.round})`,
      `state: ${this.displayedPhase()}${closed ? ` (closed: ${this.slots.closedReason ?? 'limit reached'})` : ''}`,
      `tasks: ${queue.length} queued, ${this.running + this.fixing} running, ${this.parksInQueue ? `${this.parked.size - this.fixing} in the merge queue, ` : ''}${this.done} done, ${this.failed} failed`,
      `sub-planners: ${this.children.length} (${this.liveChildren().length} running)`,
      this.lastPlanSummary ? `last plan: ${this.lastPlanSummary.slice(0, 500)}` : '',
    ]
      .filter(Boolean)
      .join('\n\n');
  }

  /** The subtree's totals for the parent; failed sub-planners add nothing (the project counts them from their reports). */
  summary(): PlannerSummary {
    const totals = this.children.reduce((sum, child) => (child.result ? addSubtreeTotals(sum, subtreeTotalsOf(child.result)) : sum), {
      tasksDone: this.done,
      tasksFailed: this.failed,
      tasksSkipped: this.skipped,
      commits: this.commits,
      planners: 1,
      usage: this.usage,
    });
    const tasks = [...this.children.flatMap((c) => c.result?.tasks ?? []), ...this.outcomes].slice(-keptOutcomes);
    return {
      workflowId: this.self,
      area: this.input.area,
      summary: this.lastPlanSummary ?? 'No plan was made.',
      rounds: this.round,
      ...totals,
      tasks,
    };
  }

  private taskCounts(): TaskCounts {
    const counts = { queued: this.slots.queue.length, running: this.running, done: this.done, failed: this.failed, stalled: this.stalled };
    return this.parksInQueue ? { ...counts, running: this.running + this.fixing, landing: this.parked.size - this.fixing } : counts;
  }

  private updateView(taskId: string, change: Partial<TaskView>): void {
    const view = this.views.find((v) => v.taskId === taskId);
    if (view) Object.assign(view, change);
  }
}
