import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/createActivities';
import { controlActivityOptions, roleActivityOptions } from '../contract/activityOptions';
import { pauseSignal, resumeSignal, stopSignal, steerSignal } from '../contract/messages/operatorMessages';
import {
  cycleFinishedSignal,
  modelOutageSignal,
  plannerReportSignal,
  projectClaimsQuery,
  projectStatusQuery,
  setLimitsUpdate,
} from '../contract/messages/projectMessages';
import { roles } from '../contract/roles';
import { longhaulProjectKey, longhaulRoleKey } from '../contract/searchAttributes';
import { isValidProjectId } from '../contract/workflowIds';
import { CycleFinished } from '../schemas/cycle';
import { Limits, LimitsPatch } from '../schemas/limits';
import { ModelOutageReport } from '../schemas/modelOutage';
import { parseInput } from '../schemas/parseInput';
import { PlannerReport } from '../schemas/plannerReport';
import { ProjectCarry } from '../schemas/projectCarry';
import { ProjectInput } from '../schemas/projectInput';
import type { ProjectSettings } from '../schemas/projectSettings';
import type { ProjectResult } from '../schemas/status';
import { taskClaimsPatch } from './claimRegistry';
import { cancelRunningCycle, startCycle } from './cycleChild';
import { parseSignal } from './parseSignal';
import { ProjectState } from './projectState';
import { SignalCourier } from './signalCourier';
import { SlotDispatcher } from './slotDispatcher';
import { phaseRecorder } from './visibility';

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
  const courier = new SignalCourier();
  const state = new ProjectState(projectId, input, carry, (send, cycleId) =>
    courier.track(send, (err) => log.warn('Could not forward a signal to the running cycle', { cycleId, error: String(err) })),
  );
  // Grants slots to named tasks by their claims, so overlapping tasks never run at once.
  state.ledger.byClaims = patched(taskClaimsPatch);
  const slots = new SlotDispatcher(state, courier);
  const distributeSlots = (): void => slots.distribute();
  let recordPhase: (phase: string, cycle?: number) => void = () => undefined;

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
  setHandler(projectClaimsQuery, () => ({ tasks: state.ledger.claims() }));
  setHandler(setLimitsUpdate, onSetLimits, {
    validator: (patch: LimitsPatch): void => {
      const parsed = parseInput(LimitsPatch, patch, 'limits');
      parseInput(Limits, { ...state.limits, ...parsed }, 'limits');
    },
    description: 'Change the project limits; takes effect at once.',
  });

  async function handOver(settings: ProjectSettings): Promise<never> {
    // Deliver what is in flight first; anything that arrives meanwhile is in the state we carry.
    slots.handingOver = true;
    await condition(() => courier.idle && allHandlersFinished());
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
        await startCycle(state, settings);
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
      await CancellationScope.nonCancellable(() => cancelRunningCycle(state, cycleId));
    }
    throw err;
  }

  await condition(() => courier.idle && allHandlersFinished());
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
