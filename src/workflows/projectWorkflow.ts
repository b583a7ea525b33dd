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
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/createActivities';
import { controlActivityOptions, roleActivityOptions } from '../contract/activityOptions';
import { grantSlotsSignal, type SlotGrant } from '../contract/messages/plannerMessages';
import { pauseSignal, resumeSignal, stopSignal, steerSignal } from '../contract/messages/operatorMessages';
import {
  cycleFinishedSignal,
  modelOutageSignal,
  plannerReportSignal,
  projectStatusQuery,
  setLimitsUpdate,
} from '../contract/messages/projectMessages';
import { roles } from '../contract/roles';
import { longhaulProjectKey, longhaulRoleKey } from '../contract/searchAttributes';
import { isValidProjectId } from '../contract/workflowIds';
import { CycleFinished, type CycleInput } from '../schemas/cycle';
import { Limits, LimitsPatch } from '../schemas/limits';
import { ModelOutageReport } from '../schemas/modelOutage';
import { parseInput } from '../schemas/parseInput';
import { PlannerReport } from '../schemas/plannerReport';
import { ProjectCarry } from '../schemas/projectCarry';
import { ProjectInput } from '../schemas/projectInput';
import type { ProjectSettings } from '../schemas/projectSettings';
import type { ProjectResult } from '../schemas/status';
import { cycleWorkflow } from './cycleWorkflow';
import { describeFailure } from './describeFailure';
import { parseSignal } from './parseSignal';
import { ProjectState } from './projectState';
import { phaseRecorder, startAttributes } from './visibility';

type Activities = ReturnType<typeof createActivities>;

/** Projects that pause themselves when a model outage outlasts the outage budget carry this patch. */
export const projectPausesOnOutagePatch = 'project-pauses-on-model-outage';

/** Even when the server does not ask for it, hand over to a fresh run this often (in cycles). */
const cyclesPerRun = 5;

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
  // Signals in flight are delivered before the run hands over or ends.
  const pendingSignals = new Set<Promise<void>>();
  function track(send: Promise<void>, onFailure: (err: unknown) => void): void {
    const tracked = send.catch(onFailure).finally(() => pendingSignals.delete(tracked));
    pendingSignals.add(tracked);
  }
  const state = new ProjectState(projectId, input, carry, (send, cycleId) =>
    track(send, (err) => log.warn('Could not forward a signal to the running cycle', { cycleId, error: String(err) })),
  );
  let recordPhase: (phase: string, cycle?: number) => void = () => undefined;
  let handingOver = false;

  function sendGrant(plannerId: string, grant: SlotGrant): void {
    track(getExternalWorkflowHandle(plannerId).signal(grantSlotsSignal, grant), (err) => {
      // The planner is gone (finished or cancelled): whatever it held is free again.
      log.warn('Slot grant not delivered', { plannerId, error: String(err) });
      state.ledger.forget(plannerId);
      distributeSlots();
    });
  }

  /** Gives free worker slots to waiting planners, or tells them no more will come. */
  function distributeSlots(): void {
    // While handing over, grants wait for the next run; otherwise a busy project never drains.
    if (!state.activeCycleId || handingOver) return;
    const closedBecause = state.limitReason();
    if (closedBecause) {
      for (const plannerId of state.ledger.takeUnnotified()) sendGrant(plannerId, { count: 0, closed: true, reason: closedBecause });
      return;
    }
    if (state.paused) return;
    const free = state.freeSlots();
    if (free <= 0) return;
    for (const { plannerId, count } of state.ledger.grant(free)) sendGrant(plannerId, { count, closed: false });
  }

  function updateDetails(): void {
    const s = state.status();
    recordPhase(s.phase, s.cycle);
    setCurrentDetails(state.details(s));
  }

  function onPlannerReport(raw: PlannerReport): void {
    const report = parseSignal(PlannerReport, raw, 'planner report');
    if (!report) return;
    if (!state.applyReport(report)) {
      log.warn('Ignoring a report from a planner of another cycle', { planner: report.workflowId, cycle: report.cycle });
      return;
    }
    distributeSlots();
    updateDetails();
  }

  function onCycleFinished(raw: CycleFinished): void {
    const message = parseSignal(CycleFinished, raw, 'cycle-finished signal');
    if (message) state.cycleFinished(message);
  }

  function onModelOutage(raw: ModelOutageReport): void {
    const report = parseSignal(ModelOutageReport, raw, 'model outage report');
    if (!report || !patched(projectPausesOnOutagePatch)) return;
    if (report.state === 'down') log.warn('A model outage outlasted the outage budget', { reason: report.reason, since: report.since });
    if (state.modelOutage(report)) distributeSlots();
    updateDetails();
  }

  function onSetLimits(patch: LimitsPatch): Limits {
    const limits = state.setLimits(patch);
    distributeSlots();
    updateDetails();
    return limits;
  }

  setHandler(plannerReportSignal, onPlannerReport);
  setHandler(cycleFinishedSignal, onCycleFinished);
  setHandler(pauseSignal, () => (state.pause(), updateDetails()));
  setHandler(resumeSignal, () => (state.resume(), distributeSlots(), updateDetails()));
  setHandler(modelOutageSignal, onModelOutage);
  setHandler(steerSignal, (raw) => void state.relay.steer(raw));
  setHandler(stopSignal, () => ((state.stopRequested = true), updateDetails()));
  setHandler(projectStatusQuery, () => state.status());
  setHandler(setLimitsUpdate, onSetLimits, {
    validator: (patch: LimitsPatch): void => {
      const parsed = parseInput(LimitsPatch, patch, 'limits');
      parseInput(Limits, { ...state.limits, ...parsed }, 'limits');
    },
    description: 'Change the project limits; takes effect at once.',
  });

  async function handOver(settings: ProjectSettings): Promise<never> {
    // Deliver what is in flight first; anything that arrives meanwhile is in the state we carry.
    handingOver = true;
    await condition(() => pendingSignals.size === 0 && allHandlersFinished());
    return continueAsNew<typeof projectWorkflow>(input, state.carry(settings));
  }

  /**
   * Waits for `ready`, but also wakes at the deadline (so waiting planners hear that no more slots
   * will come, and a paused project ends) and when the limits change (the deadline may have moved).
   */
  async function waitFor(ready: () => boolean): Promise<void> {
    const seenLimits = state.limitsVersion;
    const { deadline } = state.limits;
    const untilDeadline = deadline === undefined ? undefined : Date.parse(deadline) - Date.now();
    const wake = (): boolean => ready() || state.limitsVersion !== seenLimits;
    if (untilDeadline === undefined || untilDeadline <= 0) await condition(wake);
    else await condition(wake, untilDeadline);
    distributeSlots();
  }

  async function startCycle(settings: ProjectSettings): Promise<void> {
    const { n, workflowId } = state.startingCycle();
    const last = state.lastVerdict();
    const cycleInput: CycleInput = {
      settings: { ...settings, limits: state.limits },
      cycle: n,
      projectWorkflowId: projectId,
      steering: [...state.relay.steering],
      previousVerdict: last ? { verdict: last.verdict, reasons: last.reasons, nextFocus: last.nextFocus } : undefined,
      earlierVerdicts: state.verdicts
        .slice(-5)
        .map((v) => ({ cycle: v.cycle, verdict: v.verdict, reasons: v.reasons, nextFocus: v.nextFocus })),
      paused: state.paused,
    };
    const handle = await startChild(cycleWorkflow, {
      workflowId,
      args: [cycleInput],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `Cycle ${n}: ${settings.goal.slice(0, 150)}`,
      typedSearchAttributes: startAttributes(settings.searchAttributes, projectId, 'cycle', n),
    });
    state.activeCycleId = workflowId;
    // In this run the child's own result is also watched, in case it ended without signalling.
    handle.result().then(
      (summary) => {
        if (state.activeCycleId === workflowId && !state.finishedCycle) state.finishedCycle = { cycle: n, summary };
      },
      (err: unknown) => {
        if (state.activeCycleId === workflowId && !state.finishedCycle && !isCancellation(err)) {
          state.finishedCycle = { cycle: n, error: describeFailure(err) };
        }
      },
    );
  }

  if (!state.settings) {
    const resolved = await resolveSettings(input, projectId, taskQueue);
    state.resolved(resolved);
    if (resolved.searchAttributes) {
      upsertSearchAttributes([
        { key: longhaulProjectKey, value: projectId },
        { key: longhaulRoleKey, value: 'project' },
      ]);
    }
  }
  const settings: ProjectSettings = state.settings as ProjectSettings;
  recordPhase = phaseRecorder(settings.searchAttributes);
  // A run continued in the middle of a cycle must serve the planners that were left waiting: they
  // will not report again until they get a slot.
  distributeSlots();
  updateDetails();

  try {
    while (!state.outcome) {
      if (!state.activeCycleId && !state.finishedCycle) {
        if (state.endBetweenCycles()) break;
        if (state.paused) {
          updateDetails();
          await waitFor(() => !state.paused || state.stopRequested);
          continue;
        }
        if (state.cyclesThisRun >= cyclesPerRun || workflowInfo().continueAsNewSuggested) await handOver(settings);
        await startCycle(settings);
        updateDetails();
      }
      await waitFor(() => state.finishedCycle !== undefined || workflowInfo().continueAsNewSuggested);
      if (state.finishedCycle) state.foldFinishedCycle();
      else if (workflowInfo().continueAsNewSuggested) await handOver(settings);
      updateDetails();
    }
  } catch (err) {
    const cycleId = state.activeCycleId;
    if (isCancellation(err) && cycleId) {
      // Cycles are abandoned by the parent-close policy (so the project may continue-as-new), so
      // cancellation is passed on by hand, and the project ends once the cycle's tree has wound down.
      await CancellationScope.nonCancellable(async () => {
        if (state.finishedCycle) return; // It ended already.
        try {
          await getExternalWorkflowHandle(cycleId).cancel();
        } catch (cancelError) {
          log.warn('Could not cancel the running cycle; it may have ended meanwhile', { cycleId, error: String(cancelError) });
          return;
        }
        // Bounded: a cycle terminated by hand would never report, and the project must still end.
        await condition(() => state.finishedCycle !== undefined, '1 hour');
      });
    }
    throw err;
  }

  await condition(() => pendingSignals.size === 0 && allHandlersFinished());
  updateDetails();
  return state.result();
}

/** Fills in defaults from the worker's environment and checks every role's model can be used. */
async function resolveSettings(input: ProjectInput, projectId: string, taskQueue: string): Promise<ProjectSettings> {
  const { resolveProjectSettings } = proxyActivities<Activities>(controlActivityOptions(taskQueue));
  const settings = await resolveProjectSettings({ projectId, input });
  // Fail before any work starts when a role's model cannot be used (e.g. its API key is missing).
  await Promise.all(
    roles.map((role) => {
      const options = roleActivityOptions(role, taskQueue);
      return proxyActivities<Activities>({ ...options, retry: { ...options.retry, maximumAttempts: 3 } }).preflightModel({
        role,
        model: settings.models[role],
      });
    }),
  );
  return settings;
}
