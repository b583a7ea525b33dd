import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  ParentClosePolicy,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/createActivities';
import { CycleFinished, type CycleInput } from '../schemas/cycle';
import { defaultLimits, Limits, LimitsPatch } from '../schemas/limits';
import { PlannerReport } from '../schemas/plannerReport';
import { ProjectCarry } from '../schemas/projectCarry';
import { ProjectInput } from '../schemas/projectInput';
import type { ProjectSettings } from '../schemas/projectSettings';
import type { ProjectOutcome, ProjectPhase, ProjectResult, ProjectStatus } from '../schemas/status';
import { addUsage, totalTokens, type Usage } from '../schemas/usage';
import type { Verdict } from '../schemas/verdict';
import { controlActivityOptions, roleActivityOptions } from '../contract/activityOptions';
import { roles, type Role } from '../contract/roles';
import { cycleWorkflowId, isValidProjectId, rootPlannerWorkflowId } from '../contract/workflowIds';
import { cycleWorkflow } from './cycleWorkflow';
import { grantSlotsSignal, type SlotGrant } from '../contract/messages/plannerMessages';
import { cycleFinishedSignal, plannerReportSignal, projectStatusQuery, setLimitsUpdate } from '../contract/messages/projectMessages';
import { pauseSignal, resumeSignal, SteerInput, steerSignal, stopSignal } from '../contract/messages/operatorMessages';
import { parseInput } from '../schemas/parseInput';
import { parseSignal } from './parseSignal';
import { describeFailure } from './describeFailure';
import { longhaulProjectKey, longhaulRoleKey } from '../contract/searchAttributes';
import { SlotLedger } from './slotLedger';
import { phaseRecorder, startAttributes } from './visibility';

type Activities = ReturnType<typeof createActivities>;

/** Even when the server does not ask for it, hand over to a fresh run this often (in cycles). */
const cyclesPerRun = 5;
const keptVerdicts = 20;
const keptSteering = 20;

/**
 * The long-lived top of a longhaul run. Runs one cycle after another until the judge is satisfied,
 * the operator stops it, or a limit is reached; owns the project-wide worker slots, the operator's
 * steering and the live status. Continues-as-new (also in the middle of a cycle) so that a run of
 * any length keeps a short history.
 */
export async function projectWorkflow(rawInput: ProjectInput, carried?: ProjectCarry): Promise<ProjectResult> {
  const projectId = workflowInfo().workflowId;
  const taskQueue = workflowInfo().taskQueue;
  const input = parseInput(ProjectInput, rawInput, 'project input');
  const carry = carried ? parseInput(ProjectCarry, carried, 'continued project state') : undefined;
  if (!carry && !isValidProjectId(projectId)) {
    throw ApplicationFailure.create({
      type: 'InvalidInput',
      nonRetryable: true,
      message: `Invalid workflow id "${projectId}": a project id is used in branch names, so use letters, digits, ".", "_" and "-" only.`,
    });
  }
  // Resolved by an activity below; the handlers are registered first so that the project answers
  // queries and takes signals from its very first moment.
  let settings: ProjectSettings | undefined = carry?.settings;
  let limits: Limits = settings?.limits ?? Limits.parse({ ...defaultLimits, ...input.limits });
  let limitsOverrides: LimitsPatch = {};
  let recordPhase: (phase: string, cycle?: number) => void = () => undefined;
  let cycle = carry?.cycle ?? 0;
  let activeCycleId: string | undefined = carry?.activeCycleWorkflowId;
  let paused = carry?.paused ?? false;
  let stopRequested = carry?.stopRequested ?? false;
  const steering: string[] = carry?.steering ?? [];
  let completedUsage: Usage = carry?.completedUsage ?? { calls: 0, inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, costUsd: 0 };
  const totals = carry?.totals ?? { done: 0, failed: 0, started: 0 };
  const verdicts: Verdict[] = carry?.verdicts ?? [];
  let headCommit = carry?.headCommit;
  let finishedCycle: CycleFinished | undefined = carry?.finishedCycle;
  const ledger = new SlotLedger(carry?.ledger ?? [], carry?.ledgerSeq ?? 0, carry?.ledgerFinished);
  let outcome: ProjectOutcome | undefined;
  let outcomeReason: string | undefined;
  let cyclesThisRun = 0;
  let handingOver = false;
  let limitsVersion = 0;
  const pendingSignals = new Set<Promise<void>>();

  const usage = (): Usage => addUsage(completedUsage, ledger.usage());
  const limitReason = (): string | undefined => {
    const spent = usage();
    if (totals.started + ledger.tasksStarted() >= limits.maxTasks) return `maxTasks (${limits.maxTasks}) reached`;
    if (limits.maxTokens !== undefined && totalTokens(spent) >= limits.maxTokens) return `maxTokens (${limits.maxTokens}) reached`;
    if (limits.maxCostUsd !== undefined && spent.costUsd >= limits.maxCostUsd) return `maxCostUsd (${limits.maxCostUsd}) reached`;
    if (limits.deadline !== undefined && Date.now() >= Date.parse(limits.deadline)) return `deadline (${limits.deadline}) passed`;
    return undefined;
  };

  function track(send: Promise<void>, onFailure: (err: unknown) => void): void {
    const tracked = send.catch(onFailure).finally(() => pendingSignals.delete(tracked));
    pendingSignals.add(tracked);
  }

  function sendGrant(plannerId: string, grant: SlotGrant): void {
    track(getExternalWorkflowHandle(plannerId).signal(grantSlotsSignal, grant), (err) => {
      // The planner is gone (finished or cancelled): whatever it held is free again.
      log.warn('Slot grant not delivered', { plannerId, error: String(err) });
      ledger.forget(plannerId);
      distributeSlots();
    });
  }

  /** Gives free worker slots to waiting planners, or tells them no more will come. */
  function distributeSlots(): void {
    // While handing over, grants wait for the next run; otherwise a busy project never drains.
    if (!activeCycleId || handingOver) return;
    const closedBecause = limitReason();
    if (closedBecause) {
      for (const plannerId of ledger.takeUnnotified()) sendGrant(plannerId, { count: 0, closed: true, reason: closedBecause });
      return;
    }
    if (paused) return;
    const taskBudget = limits.maxTasks - totals.started - ledger.tasksStarted();
    const free = Math.min(limits.maxParallelWorkers - ledger.held(), taskBudget);
    if (free <= 0) return;
    for (const { plannerId, count } of ledger.grant(free)) sendGrant(plannerId, { count, closed: false });
  }

  function forwardToCycle(send: (cycleId: string) => Promise<void>): void {
    if (!activeCycleId) return;
    const cycleId = activeCycleId;
    track(send(cycleId), (err) => log.warn('Could not forward a signal to the running cycle', { cycleId, error: String(err) }));
  }

  function phase(): ProjectPhase {
    if (outcome) return 'finished';
    if (paused) return 'paused';
    if (!activeCycleId) return cycle === 0 ? 'starting' : 'between_cycles';
    return ledger.isDone(rootPlannerWorkflowId(projectId, cycle)) ? 'judging' : 'running';
  }

  function status(): ProjectStatus {
    const tasks = ledger.counts();
    return {
      projectId,
      goal: input.goal,
      phase: phase(),
      paused,
      stopRequested,
      cycle,
      cycleWorkflowId: activeCycleId,
      tasks,
      totals: {
        done: totals.done + tasks.done,
        failed: totals.failed + tasks.failed,
        started: totals.started + ledger.tasksStarted(),
      },
      planners: ledger.nodes(),
      usage: usage(),
      lastVerdict: verdicts[verdicts.length - 1],
      limits,
      limitReached: limitReason(),
      pendingSteering: steering,
      outcome,
      headCommit,
    };
  }

  function updateDetails(): void {
    const s = status();
    recordPhase(s.phase, s.cycle);
    setCurrentDetails(
      [
        `**${s.phase}** — cycle ${s.cycle}${s.stopRequested ? ' (stop requested)' : ''}`,
        `tasks this cycle: ${s.tasks.queued} queued, ${s.tasks.running} running, ${s.tasks.done} done, ${s.tasks.failed} failed`,
        `usage: ${totalTokens(s.usage)} tokens, $${s.usage.costUsd.toFixed(4)}`,
        s.lastVerdict ? `last verdict: ${s.lastVerdict.verdict} — ${s.lastVerdict.reasons.slice(0, 300)}` : '',
        s.limitReached ? `limit: ${s.limitReached}` : '',
      ]
        .filter(Boolean)
        .join('\n\n'),
    );
  }

  setHandler(plannerReportSignal, (raw: PlannerReport) => {
    const report = parseSignal(PlannerReport, raw, 'planner report');
    if (!report) return;
    const activeCycle = activeCycleId ? cycle : undefined;
    if (!ledger.apply(report, activeCycle)) {
      log.warn('Ignoring a report from a planner of another cycle', { planner: report.workflowId, cycle: report.cycle });
      return;
    }
    distributeSlots();
    updateDetails();
  });
  setHandler(cycleFinishedSignal, (raw: CycleFinished) => {
    const message = parseSignal(CycleFinished, raw, 'cycle-finished signal');
    if (!message) return;
    if (activeCycleId && message.cycle === cycle) finishedCycle = message;
  });
  setHandler(pauseSignal, () => {
    paused = true;
    forwardToCycle((id) => getExternalWorkflowHandle(id).signal(pauseSignal));
    updateDetails();
  });
  setHandler(resumeSignal, () => {
    paused = false;
    forwardToCycle((id) => getExternalWorkflowHandle(id).signal(resumeSignal));
    distributeSlots();
    updateDetails();
  });
  setHandler(steerSignal, (raw: SteerInput) => {
    const steer = parseSignal(SteerInput, raw, 'steer signal');
    if (!steer) return;
    steering.push(steer.instruction);
    if (steering.length > keptSteering) steering.splice(0, steering.length - keptSteering);
    forwardToCycle((id) => getExternalWorkflowHandle(id).signal(steerSignal, steer));
  });
  setHandler(stopSignal, () => {
    stopRequested = true;
    updateDetails();
  });
  setHandler(projectStatusQuery, status);
  setHandler(
    setLimitsUpdate,
    (patch: LimitsPatch): Limits => {
      limitsOverrides = { ...limitsOverrides, ...LimitsPatch.parse(patch) };
      limits = Limits.parse({ ...limits, ...limitsOverrides });
      limitsVersion++;
      ledger.reopen();
      distributeSlots();
      updateDetails();
      return limits;
    },
    {
      validator: (patch: LimitsPatch): void => {
        const parsed = parseInput(LimitsPatch, patch, 'limits');
        parseInput(Limits, { ...limits, ...parsed }, 'limits');
      },
      description: 'Change the project limits; takes effect at once.',
    },
  );

  function carryState(resolved: ProjectSettings): ProjectCarry {
    return {
      settings: { ...resolved, limits },
      cycle,
      activeCycleWorkflowId: activeCycleId,
      paused,
      stopRequested,
      steering,
      completedUsage,
      totals,
      verdicts,
      headCommit,
      ...ledger.state,
      finishedCycle,
    };
  }

  async function handOver(resolved: ProjectSettings): Promise<never> {
    // Deliver what is in flight first; anything that arrives meanwhile is in the state we carry.
    handingOver = true;
    await condition(() => pendingSignals.size === 0 && allHandlersFinished());
    ledger.compact();
    return continueAsNew<typeof projectWorkflow>(input, carryState(resolved));
  }

  /**
   * Waits for `ready`, but also wakes at the deadline (so waiting planners hear that no more slots
   * will come, and a paused project ends) and when the limits change (the deadline may have moved).
   */
  async function waitFor(ready: () => boolean): Promise<void> {
    const seenLimits = limitsVersion;
    const untilDeadline = limits.deadline === undefined ? undefined : Date.parse(limits.deadline) - Date.now();
    const wake = (): boolean => ready() || limitsVersion !== seenLimits;
    if (untilDeadline === undefined || untilDeadline <= 0) await condition(wake);
    else await condition(wake, untilDeadline);
    distributeSlots();
  }

  function endReasonBetweenCycles(): [ProjectOutcome, string] | undefined {
    if (stopRequested) return ['stopped', 'stopped by the operator'];
    if (cycle >= limits.maxCycles) return ['limit_reached', `maxCycles (${limits.maxCycles}) reached`];
    const reason = limitReason();
    return reason ? ['limit_reached', reason] : undefined;
  }

  function finishCycle(message: CycleFinished): void {
    finishedCycle = undefined;
    activeCycleId = undefined;
    cyclesThisRun++;
    if (!message.summary && message.error === 'cancelled') {
      // An operator cancelled this one cycle (cancelling the project takes another path): keep what
      // it did and spent, and go on with a fresh cycle.
      const counts = ledger.counts();
      totals.started += ledger.tasksStarted();
      totals.done += counts.done;
      totals.failed += counts.failed;
      completedUsage = addUsage(completedUsage, ledger.usage());
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
    completedUsage = addUsage(completedUsage, addUsage(ledger.usage(), summary.verdict.usage));
    ledger.clear();
    headCommit = summary.headCommit;
    verdicts.push(summary.verdict);
    if (verdicts.length > keptVerdicts) verdicts.splice(0, verdicts.length - keptVerdicts);
    if (summary.verdict.verdict === 'done') [outcome, outcomeReason] = ['done', summary.verdict.reasons];
    if (summary.verdict.verdict === 'abandon') [outcome, outcomeReason] = ['abandoned', summary.verdict.reasons];
  }

  if (!settings) {
    const resolved = await startProject(input, projectId, taskQueue);
    limits = Limits.parse({ ...resolved.limits, ...limitsOverrides });
    settings = resolved;
    if (resolved.searchAttributes) {
      upsertSearchAttributes([
        { key: longhaulProjectKey, value: projectId },
        { key: longhaulRoleKey, value: 'project' },
      ]);
    }
  }
  const resolved: ProjectSettings = settings;
  recordPhase = phaseRecorder(resolved.searchAttributes);
  // A run continued in the middle of a cycle must serve the planners that were left waiting: they
  // will not report again until they get a slot.
  distributeSlots();
  updateDetails();

  try {
    while (!outcome) {
      if (!activeCycleId && !finishedCycle) {
        const end = endReasonBetweenCycles();
        if (end) {
          [outcome, outcomeReason] = end;
          break;
        }
        if (paused) {
          updateDetails();
          await waitFor(() => !paused || stopRequested);
          continue;
        }
        if (cyclesThisRun >= cyclesPerRun || workflowInfo().continueAsNewSuggested) await handOver(resolved);
        activeCycleId = await startCycle(resolved, ++cycle);
        updateDetails();
      }
      await waitFor(() => finishedCycle !== undefined || workflowInfo().continueAsNewSuggested);
      if (finishedCycle) finishCycle(finishedCycle);
      else if (workflowInfo().continueAsNewSuggested) await handOver(resolved);
      updateDetails();
    }
  } catch (err) {
    if (isCancellation(err) && activeCycleId) {
      // Cycles are abandoned by the parent-close policy (so the project may continue-as-new), so
      // cancellation is passed on by hand, and the project ends once the cycle's tree has wound down.
      const cycleId = activeCycleId;
      await CancellationScope.nonCancellable(async () => {
        if (finishedCycle) return; // It ended already.
        try {
          await getExternalWorkflowHandle(cycleId).cancel();
        } catch (cancelError) {
          log.warn('Could not cancel the running cycle; it may have ended meanwhile', { cycleId, error: String(cancelError) });
          return;
        }
        // Bounded: a cycle terminated by hand would never report, and the project must still end.
        await condition(() => finishedCycle !== undefined, '1 hour');
      });
    }
    throw err;
  }

  await condition(() => pendingSignals.size === 0 && allHandlersFinished());
  updateDetails();
  return {
    outcome,
    cycles: cycle,
    tasksDone: totals.done,
    tasksFailed: totals.failed,
    headCommit,
    usage: completedUsage,
    verdicts,
    reason: outcomeReason,
  };

  async function startCycle(settings: ProjectSettings, n: number): Promise<string> {
    const workflowId = cycleWorkflowId(projectId, n);
    const last = verdicts[verdicts.length - 1];
    const cycleInput: CycleInput = {
      settings: { ...settings, limits },
      cycle: n,
      projectWorkflowId: projectId,
      steering: [...steering],
      previousVerdict: last ? { verdict: last.verdict, reasons: last.reasons, nextFocus: last.nextFocus } : undefined,
      paused,
    };
    const handle = await startChild(cycleWorkflow, {
      workflowId,
      args: [cycleInput],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `Cycle ${n}: ${settings.goal.slice(0, 150)}`,
      typedSearchAttributes: startAttributes(settings.searchAttributes, projectId, 'cycle', n),
    });
    // In this run the child's own result is also watched, in case it ended without signalling.
    handle.result().then(
      (summary) => {
        if (activeCycleId === workflowId && !finishedCycle) finishedCycle = { cycle: n, summary };
      },
      (err: unknown) => {
        if (activeCycleId === workflowId && !finishedCycle && !isCancellation(err)) {
          finishedCycle = { cycle: n, error: describeFailure(err) };
        }
      },
    );
    return workflowId;
  }
}

/** Fills in defaults from the worker's environment and checks every role's model can be used. */
async function startProject(input: ProjectInput, projectId: string, taskQueue: string): Promise<ProjectSettings> {
  const { resolveProjectSettings } = proxyActivities<Activities>(controlActivityOptions(taskQueue));
  const settings = await resolveProjectSettings({ projectId, input });
  // Fail before any work starts when a role's model cannot be used (e.g. its API key is missing).
  const preflight = (role: Role): Promise<void> => {
    const options = roleActivityOptions(role, taskQueue);
    return proxyActivities<Activities>({ ...options, retry: { ...options.retry, maximumAttempts: 3 } }).preflightModel({ role, model: settings.models[role] });
  };
  await Promise.all(roles.map(preflight));
  return settings;
}
