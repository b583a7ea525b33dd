import { ApplicationFailure, getExternalWorkflowHandle, log } from '@temporalio/workflow';
import { pauseSignal } from '../contract/messages/operatorMessages';
import { cycleWorkflowId, rootPlannerWorkflowId } from '../contract/workflowIds';
import type { CycleFinished, CycleInput } from '../schemas/cycle';
import { outageAction, type ModelOutage, type ModelOutageReport } from '../schemas/modelOutage';
import { defaultLimits, Limits, LimitsPatch } from '../schemas/limits';
import type { PlannerReport } from '../schemas/plannerReport';
import type { ProjectCarry } from '../schemas/projectCarry';
import type { ProjectInput } from '../schemas/projectInput';
import type { ProjectSettings } from '../schemas/projectSettings';
import type { ProjectOutcome, ProjectPhase, ProjectResult, ProjectStatus } from '../schemas/status';
import { addUsage, totalTokens, zeroUsage, type Usage } from '../schemas/usage';
import type { Verdict } from '../schemas/verdict';
import { OperatorRelay, type SignalSender } from './operatorRelay';
import { SlotLedger } from './slotLedger';

const keptVerdicts = 20;

/**
 * Everything a project knows between cycles and across continue-as-new: its settings and limits, the
 * cycle running now, the operator's steering, what finished cycles did and spent, the verdicts, and
 * the slot ledger of the running cycle. `carry()` hands it whole to the next run.
 */
export class ProjectState {
  settings?: ProjectSettings;
  limits: Limits;
  private limitsOverrides: LimitsPatch = {};
  /** Bumped when the limits change: a wait on the deadline must start over. */
  limitsVersion = 0;
  cycle: number;
  activeCycleId?: string;
  stopRequested: boolean;
  completedUsage: Usage;
  readonly totals: { done: number; failed: number; started: number };
  readonly verdicts: Verdict[];
  headCommit?: string;
  /** A cycle that reported its end and is not yet folded in. */
  finishedCycle?: CycleFinished;
  readonly ledger: SlotLedger;
  readonly relay: OperatorRelay;
  outcome?: ProjectOutcome;
  outcomeReason?: string;
  /** A model outage that outlasted the outage budget, until the provider answers or the operator resumes. */
  outage?: ModelOutage;
  cyclesThisRun = 0;

  constructor(
    readonly projectId: string,
    readonly input: ProjectInput,
    carry: ProjectCarry | undefined,
    private readonly sendSignal: SignalSender,
  ) {
    this.settings = carry?.settings;
    this.limits = this.settings?.limits ?? Limits.parse({ ...defaultLimits, ...input.limits });
    this.cycle = carry?.cycle ?? 0;
    this.activeCycleId = carry?.activeCycleWorkflowId;
    this.stopRequested = carry?.stopRequested ?? false;
    this.completedUsage = carry?.completedUsage ?? zeroUsage;
    this.totals = carry?.totals ?? { done: 0, failed: 0, started: 0 };
    this.verdicts = carry?.verdicts ?? [];
    this.headCommit = carry?.headCommit;
    this.finishedCycle = carry?.finishedCycle;
    this.outage = carry?.outage;
    this.ledger = new SlotLedger(carry?.ledger ?? [], carry?.ledgerSeq ?? 0, carry?.ledgerFinished);
    this.relay = new OperatorRelay(
      { paused: carry?.paused ?? false, steering: carry?.steering ?? [] },
      () => (this.activeCycleId ? [this.activeCycleId] : []),
      sendSignal,
    );
  }

  get paused(): boolean {
    return this.relay.paused;
  }

  pause(): void {
    // The operator's own pause outlives the outage.
    if (this.outage) this.outage = { ...this.outage, pausedByOutage: false };
    this.pauseAll();
  }

  /**
   * Pauses the cycle, which relays it down the tree. Planners that start tasks lined up on their
   * slots by themselves are also told at once, each directly, so none starts after the pause.
   */
  private pauseAll(): void {
    this.relay.pause();
    if (!this.ledger.lineUps) return;
    for (const plannerId of this.ledger.livePlanners())
      this.sendSignal(getExternalWorkflowHandle(plannerId).signal(pauseSignal), plannerId);
  }

  resume(): void {
    this.outage = undefined;
    this.relay.resume();
  }

  /**
   * An agent's report on the model provider: the first `down` pauses the project (unless it is paused
   * already) with the reason; `up` lifts the pause the outage caused. True when the pause changed.
   */
  modelOutage(report: ModelOutageReport): boolean {
    if (report.state === 'down') {
      if (this.outage) return false;
      this.outage = { reason: report.reason, since: report.since, pausedByOutage: !this.paused };
      if (this.outage.pausedByOutage) this.pauseAll();
      return this.outage.pausedByOutage;
    }
    const outage = this.outage;
    if (!outage) return false;
    this.outage = undefined;
    if (outage.pausedByOutage) this.relay.resume();
    return outage.pausedByOutage;
  }

  /** The settings resolved at the first start; limits changed before that still apply. */
  resolved(settings: ProjectSettings): void {
    this.limits = Limits.parse({ ...settings.limits, ...this.limitsOverrides });
    this.settings = settings;
  }

  setLimits(patch: LimitsPatch): Limits {
    this.limitsOverrides = { ...this.limitsOverrides, ...LimitsPatch.parse(patch) };
    this.limits = Limits.parse({ ...this.limits, ...this.limitsOverrides });
    this.limitsVersion++;
    this.ledger.reopen();
    return this.limits;
  }

  usage(): Usage {
    return addUsage(this.completedUsage, this.ledger.usage());
  }

  tasksStarted(): number {
    return this.totals.started + this.ledger.tasksStarted();
  }

  limitReason(): string | undefined {
    const { limits } = this;
    const spent = this.usage();
    if (this.tasksStarted() >= limits.maxTasks) return `maxTasks (${limits.maxTasks}) reached`;
    if (limits.maxTokens !== undefined && totalTokens(spent) >= limits.maxTokens) return `maxTokens (${limits.maxTokens}) reached`;
    if (limits.maxCostUsd !== undefined && spent.costUsd >= limits.maxCostUsd) return `maxCostUsd (${limits.maxCostUsd}) reached`;
    if (limits.deadline !== undefined && Date.now() >= Date.parse(limits.deadline)) return `deadline (${limits.deadline}) passed`;
    return undefined;
  }

  /** Tasks that may still start before `maxTasks` is reached. */
  startBudget(): number {
    return this.limits.maxTasks - this.tasksStarted() - this.ledger.linedUpComing();
  }

  /** Worker slots that may be granted now. */
  freeSlots(): number {
    const taskBudget = this.startBudget();
    return Math.min(this.limits.maxParallelWorkers - this.ledger.held(), taskBudget);
  }

  /** Applies a planner's report; false for one from a cycle that is not running. */
  applyReport(report: PlannerReport): boolean {
    return this.ledger.apply(report, this.activeCycleId ? this.cycle : undefined);
  }

  cycleFinished(message: CycleFinished): void {
    if (this.activeCycleId && message.cycle === this.cycle) this.finishedCycle = message;
  }

  startingCycle(): { n: number; workflowId: string } {
    const n = ++this.cycle;
    return { n, workflowId: cycleWorkflowId(this.projectId, n) };
  }

  phase(): ProjectPhase {
    if (this.outcome) return 'finished';
    if (this.paused) return 'paused';
    if (!this.activeCycleId) return this.cycle === 0 ? 'starting' : 'between_cycles';
    return this.ledger.isDone(rootPlannerWorkflowId(this.projectId, this.cycle)) ? 'judging' : 'running';
  }

  /** Between cycles: whether the project ends here instead of starting another cycle (and why). */
  endBetweenCycles(): boolean {
    const end = this.endReason();
    if (end) [this.outcome, this.outcomeReason] = end;
    return end !== undefined;
  }

  private endReason(): [ProjectOutcome, string] | undefined {
    if (this.stopRequested) return ['stopped', 'stopped by the operator'];
    if (this.cycle >= this.limits.maxCycles) return ['limit_reached', `maxCycles (${this.limits.maxCycles}) reached`];
    const reason = this.limitReason();
    return reason ? ['limit_reached', reason] : undefined;
  }

  /** Folds the finished cycle into the totals; a failed cycle fails the project. */
  foldFinishedCycle(): void {
    const message = this.finishedCycle;
    if (!message) return;
    this.finishedCycle = undefined;
    this.activeCycleId = undefined;
    this.cyclesThisRun++;
    const { ledger, totals } = this;
    if (!message.summary && message.error === 'cancelled') {
      // An operator cancelled this one cycle (cancelling the project takes another path): keep what
      // it did and spent, and go on with a fresh cycle.
      const counts = ledger.counts();
      totals.started += ledger.tasksStarted();
      totals.done += counts.done;
      totals.failed += counts.failed;
      this.completedUsage = addUsage(this.completedUsage, ledger.usage());
      ledger.clear();
      log.warn('Cycle was cancelled; starting a fresh one', { cycle: message.cycle });
      return;
    }
    if (!message.summary) {
      throw ApplicationFailure.create({
        type: 'CycleFailed',
        nonRetryable: true,
        message: `Cycle ${message.cycle} failed: ${message.error ?? 'unknown error'}`,
      });
    }
    const summary = message.summary;
    totals.started += Math.max(ledger.tasksStarted(), summary.tasksDone + summary.tasksFailed);
    totals.done += summary.tasksDone;
    totals.failed += summary.tasksFailed;
    // Every planner reported its own usage, failed ones included; the judge's comes with the verdict.
    this.completedUsage = addUsage(this.completedUsage, addUsage(ledger.usage(), summary.verdict.usage));
    ledger.clear();
    this.headCommit = summary.headCommit;
    this.verdicts.push(summary.verdict);
    if (this.verdicts.length > keptVerdicts) this.verdicts.splice(0, this.verdicts.length - keptVerdicts);
    if (summary.verdict.verdict === 'done') [this.outcome, this.outcomeReason] = ['done', summary.verdict.reasons];
    if (summary.verdict.verdict === 'abandon') [this.outcome, this.outcomeReason] = ['abandoned', summary.verdict.reasons];
  }

  /** What cycle `n` starts from: the settings with today's limits, the steering and the latest verdicts. */
  cycleInput(settings: ProjectSettings, n: number): CycleInput {
    const last = this.lastVerdict();
    return {
      settings: { ...settings, limits: this.limits },
      cycle: n,
      projectWorkflowId: this.projectId,
      steering: [...this.relay.steering],
      previousVerdict: last ? { verdict: last.verdict, reasons: last.reasons, nextFocus: last.nextFocus } : undefined,
      earlierVerdicts: this.verdicts
        .slice(-5)
        .map((v) => ({ cycle: v.cycle, verdict: v.verdict, reasons: v.reasons, nextFocus: v.nextFocus })),
      paused: this.paused,
    };
  }

  lastVerdict(): Verdict | undefined {
    return this.verdicts[this.verdicts.length - 1];
  }

  status(): ProjectStatus {
    const { ledger, totals } = this;
    const tasks = ledger.counts();
    return {
      projectId: this.projectId,
      goal: this.input.goal,
      phase: this.phase(),
      paused: this.paused,
      stopRequested: this.stopRequested,
      cycle: this.cycle,
      cycleWorkflowId: this.activeCycleId,
      tasks,
      totals: { done: totals.done + tasks.done, failed: totals.failed + tasks.failed, started: this.tasksStarted() },
      planners: ledger.nodes(),
      usage: this.usage(),
      lastVerdict: this.lastVerdict(),
      limits: this.limits,
      limitReached: this.limitReason(),
      outage: this.outage,
      pendingSteering: this.relay.steering,
      outcome: this.outcome,
      headCommit: this.headCommit,
      sandbox: this.settings?.sandbox,
      target: this.settings && {
        repo: this.settings.repo,
        branch: this.settings.targetBranch,
        mergeQueue: this.settings.testCommand !== undefined,
      },
    };
  }

  /** The live view in the Web UI. */
  details(s: ProjectStatus): string {
    return [
      `**${s.phase}** — cycle ${s.cycle}${s.stopRequested ? ' (stop requested)' : ''}`,
      s.outage ? `**model outage** since ${s.outage.since}: ${s.outage.reason.slice(0, 300)} — ${outageAction(s.outage)}` : '',
      `tasks this cycle: ${s.tasks.queued} queued, ${s.tasks.running} running, ${s.tasks.done} done, ${s.tasks.failed} failed`,
      `usage: ${totalTokens(s.usage)} tokens, $${s.usage.costUsd.toFixed(4)}`,
      s.lastVerdict ? `last verdict: ${s.lastVerdict.verdict} — ${s.lastVerdict.reasons.slice(0, 300)}` : '',
      s.limitReached ? `limit: ${s.limitReached}` : '',
      s.sandbox && !s.sandbox.enabled ? '**sandbox off**: commands run unconfined on the workers' : '',
      s.target?.mergeQueue ? `lands on \`${s.target.branch}\` through its merge queue (workflow type \`mergeQueueWorkflow\`)` : '',
    ]
      .filter(Boolean)
      .join('\n\n');
  }

  /** Everything the next run needs, with finished planners folded into counts. */
  carry(settings: ProjectSettings): ProjectCarry {
    this.ledger.compact();
    return {
      settings: { ...settings, limits: this.limits },
      cycle: this.cycle,
      activeCycleWorkflowId: this.activeCycleId,
      paused: this.paused,
      stopRequested: this.stopRequested,
      steering: this.relay.steering,
      completedUsage: this.completedUsage,
      totals: this.totals,
      verdicts: this.verdicts,
      headCommit: this.headCommit,
      ...this.ledger.state,
      finishedCycle: this.finishedCycle,
      ...(this.outage ? { outage: this.outage } : {}),
    };
  }

  result(): ProjectResult {
    return {
      outcome: this.outcome as ProjectOutcome,
      cycles: this.cycle,
      tasksDone: this.totals.done,
      tasksFailed: this.totals.failed,
      headCommit: this.headCommit,
      usage: this.completedUsage,
      verdicts: this.verdicts,
      reason: this.outcomeReason,
    };
  }
}
