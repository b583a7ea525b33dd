import {
  ApplicationFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/createActivities';
import { roleActivityOptions } from '../contract/activityOptions';
import { grantSlotsSignal, plannerStatusQuery, SlotGrant } from '../contract/messages/plannerMessages';
import { pauseSignal, resumeSignal, steerSignal } from '../contract/messages/operatorMessages';
import { plannerReportSignal } from '../contract/messages/projectMessages';
import { subPlannerWorkflowId } from '../contract/workflowIds';
import { parseInput } from '../schemas/parseInput';
import type { PlanResult } from '../schemas/plan';
import { PlannerInput, type PlannerSummary } from '../schemas/planner';
import { clip } from '../schemas/task';
import { zeroUsage } from '../schemas/usage';
import { describeFailure } from './describeFailure';
import { parseSignal } from './parseSignal';
import { taskClaimsPatch } from './claimRegistry';
import { PlannerState, type ChildPlanner } from './plannerState';
import type { QueuedTask } from './slotClaim';
import { phaseRecorder, startAttributes } from './visibility';

type Activities = ReturnType<typeof createActivities>;

/** Planners that plan again as results arrive (rather than once per round) carry this patch. */
export const plannerWakesOnResultsPatch = 'planner-wakes-on-results';
/** Results arriving this close together are planned on in one step. */
const resultDebounce = '1 second';

/**
 * Owns one area of the goal: plans it, splits it into tasks for workers and into sub-areas for
 * sub-planners, and plans again from their results until the area is done or out of rounds.
 * Worker slots come from the project, which enforces `maxParallelWorkers` across the whole tree.
 */
export async function plannerWorkflow(rawInput: PlannerInput): Promise<PlannerSummary> {
  const input = parseInput(PlannerInput, rawInput, 'planner input');
  const { scope } = input;
  const { settings } = scope;
  const self = workflowInfo().workflowId;
  const taskQueue = workflowInfo().taskQueue;
  const planOptions = roleActivityOptions('planner', taskQueue, settings.heartbeatTimeoutSeconds);
  const workOptions = roleActivityOptions('worker', taskQueue, settings.heartbeatTimeoutSeconds);
  const { planArea } = proxyActivities<Activities>(planOptions);
  const { runWorkerTask } = proxyActivities<Activities>(workOptions);
  const project = getExternalWorkflowHandle(scope.projectWorkflowId);
  const state = new PlannerState(self, input);
  const { slots, relay } = state;
  // Offers its queued tasks with their claims, and starts the ones the project names in a grant.
  slots.byClaims = patched(taskClaimsPatch);

  setHandler(grantSlotsSignal, (raw: SlotGrant) => onGrant(raw));
  setHandler(pauseSignal, () => (relay.pause(), state.changed()));
  setHandler(resumeSignal, () => (relay.resume(), state.changed()));
  setHandler(steerSignal, (raw) => void (relay.steer(raw) && state.changed()));
  setHandler(plannerStatusQuery, () => state.status());

  function onGrant(raw: SlotGrant): void {
    const grant = parseSignal(SlotGrant, raw, 'slot grant');
    if (!grant) return;
    const { taskIds } = grant;
    if (taskIds) for (const item of slots.grantNamed({ ...grant, taskIds }, state.paused)) startTask(item);
    else slots.grant(grant);
    state.changed();
  }

  const recordPhase = phaseRecorder(settings.searchAttributes);
  function updateDetails(): void {
    recordPhase(state.displayedPhase());
    setCurrentDetails(state.details());
  }

  // Sends the latest state to the project; changes that happen while a signal is in flight are
  // coalesced into the next one, so the project's history grows with activity, not with polling.
  let reportedVersion = -1;
  async function reportLoop(): Promise<void> {
    for (;;) {
      await condition(() => state.version !== reportedVersion);
      reportedVersion = state.version;
      const snapshot = state.report();
      await project.signal(plannerReportSignal, snapshot);
      if (snapshot.state === 'done') return;
    }
  }
  // If the project cannot be reached, no slot will ever come: fail loudly instead of waiting forever.
  let reportFailure: unknown;
  const reporting = reportLoop().catch((err: unknown) => {
    reportFailure = err;
    state.changed();
  });
  function throwIfReportFailed(): void {
    if (reportFailure === undefined) return;
    // A report cut short by this planner's own cancellation is the cancellation, not a lost project.
    if (isCancellation(reportFailure)) throw reportFailure;
    throw ApplicationFailure.create({
      type: 'ProjectUnreachable',
      nonRetryable: true,
      message: `Planner could not report to project ${scope.projectWorkflowId}: ${describeFailure(reportFailure)}`,
    });
  }

  function startTask(item: QueuedTask): void {
    state.taskStarted(item, new Date().toISOString());
    runWorkerTask
      .executeWithOptions({ ...workOptions, summary: `Task ${item.taskId}: ${item.task.title}` }, [
        { scope, taskId: item.taskId, plannerId: self, task: item.task, steering: [...relay.steering] },
      ])
      .then(
        ({ usage, ...result }) => state.taskFinished(result, usage),
        // A failed task never fails the planner: it goes back into the next planning step.
        (err: unknown) =>
          state.taskFinished(
            { taskId: item.taskId, title: item.task.title, status: 'failed', summary: `Task failed: ${describeFailure(err)}` },
            zeroUsage,
          ),
      )
      .finally(() => {
        state.taskEnded();
        updateDetails();
      });
  }

  /** Runs this round's tasks as slots arrive, returning unused slots at once. */
  async function drainQueue(): Promise<void> {
    while (slots.queue.length > 0 || state.running > 0) {
      dispatchQueued();
      if (slots.queue.length === 0 && state.running === 0) break; // Everything was skipped: nothing left to wait for.
      const seen = state.version;
      await condition(() => state.version !== seen);
      throwIfReportFailed();
    }
  }

  async function startSubplanners(plan: PlanResult): Promise<ChildPlanner[]> {
    if (input.depth >= settings.limits.maxPlannerDepth && plan.subplanners.length > 0) {
      log.warn('Planner at maximum depth proposed sub-planners; ignoring them', { count: plan.subplanners.length });
      return [];
    }
    const started: ChildPlanner[] = [];
    for (const spec of plan.subplanners) {
      if (slots.closed) break; // No slots will come: a new sub-planner would only plan for nothing.
      const workflowId = subPlannerWorkflowId(self, spec.area, new Set(state.children.map((c) => c.workflowId)));
      const given = relay.snapshot();
      const childInput: PlannerInput = {
        scope,
        parentId: self,
        path: `${input.path}.${state.children.length}`,
        depth: input.depth + 1,
        area: spec.area,
        areaGoal: spec.goal,
        ...given,
      };
      const handle = await startChild(plannerWorkflow, {
        workflowId,
        args: [childInput],
        staticSummary: `Planner (depth ${input.depth + 1}): ${spec.area}`.slice(0, 200),
        staticDetails: spec.goal.slice(0, 2_000),
        typedSearchAttributes: startAttributes(settings.searchAttributes, settings.projectId, 'planner', scope.cycle),
      });
      // Registered only once it exists, so relayed signals never go to a child not yet started.
      const child: ChildPlanner = { workflowId, area: spec.area };
      state.children.push(child);
      started.push(child);
      relay.catchUp(workflowId, given);
      handle
        .result()
        .then(
          (summary) => void (child.result = summary),
          (err: unknown) => void (child.failure = describeFailure(err)),
        )
        .finally(() => {
          state.childFinished(outcomeOf(child));
          state.changed();
          updateDetails();
        });
    }
    return started;
  }

  async function planStep(): Promise<PlanResult> {
    return planArea.executeWithOptions({ ...planOptions, summary: `Plan ${input.area} (round ${state.round + 1})` }, [
      {
        scope,
        plannerId: self,
        area: input.area,
        areaGoal: input.areaGoal,
        depth: input.depth,
        round: state.round,
        steering: [...relay.steering],
        // Clipped so that even a large round keeps the activity's input far below payload limits.
        results: state.resultsSincePlan.map((r) => ({ ...r, summary: clip(r.summary, 1_000) })),
        subplannerOutcomes: state.outcomesSincePlan.map((o) => ({ ...o, summary: clip(o.summary, 1_000) })),
        pending: state.pending(),
        failureRecord: state.failureRecord,
        ...(slots.byClaims ? { checkClaims: true } : {}),
      },
    ]);
  }

  /** Waits while paused (but not past a limit); false when the planner must stop planning. */
  async function waitWhilePaused(): Promise<boolean> {
    if (!state.paused) return true;
    state.changed();
    updateDetails();
    await condition(() => !state.paused || slots.closed);
    return !slots.closed;
  }

  /**
   * The first release: plan, run the round's tasks and sub-planners to the end, plan again. Kept
   * as it was for planners started before the patch: its waits stay inline, because an extra await
   * in between would reorder its commands against the report loop's.
   */
  async function planInRounds(): Promise<void> {
    let areaDone = false;
    while (!areaDone && !slots.closed && state.round < settings.limits.maxPlannerRounds) {
      if (state.paused) {
        state.changed();
        updateDetails();
        await condition(() => !state.paused || slots.closed);
        if (slots.closed) break;
      }
      state.phase = 'planning';
      state.changed();
      updateDetails();
      const plan = await planStep();
      state.planned(plan);
      areaDone = plan.done;
      const roundChildren = await startSubplanners(plan);
      if (plan.tasks.length === 0 && roundChildren.length === 0) break;

      state.phase = 'working';
      await drainQueue();
      if (state.liveChildren().length > 0) {
        state.phase = 'waiting_children';
        state.changed();
        updateDetails();
        await condition(() => state.liveChildren().length === 0);
      }
      state.outcomesSincePlan = roundChildren.map(outcomeOf);
    }
    if (slots.closed) state.skipQueued();
  }

  /**
   * Plans again as results arrive (a burst is one step), while the rest of the area keeps running;
   * once the area is declared done or out of steps, finishes what runs.
   */
  async function planAsResultsArrive(): Promise<void> {
    state.wakesOnResults = true;
    let dispatching = true;
    const dispatcher = (async () => {
      while (dispatching) {
        dispatchQueued();
        const seen = state.version;
        await condition(() => state.version !== seen || !dispatching);
      }
    })();
    try {
      while (!slots.closed && state.round < settings.limits.maxPlannerRounds) {
        if (!(await waitWhilePaused())) break;
        state.phase = 'planning';
        state.changed();
        updateDetails();
        const plan = await planStep();
        state.planned(plan);
        state.cancelQueued(plan.cancel ?? []);
        await startSubplanners(plan);
        state.phase = 'working';
        state.changed();
        updateDetails();
        if (plan.done) break;
        await condition(() => state.hasNews() || state.idle() || slots.closed || reportFailure !== undefined);
        throwIfReportFailed();
        if (!state.hasNews()) break; // The step added nothing and nothing runs: the area is planned out.
        if (!state.idle()) await sleep(resultDebounce);
      }
      dispatchQueued();
      await condition(() => (slots.queue.length === 0 && state.running === 0) || reportFailure !== undefined);
      throwIfReportFailed();
      await waitForChildren();
    } finally {
      dispatching = false;
      state.changed();
      await dispatcher;
    }
  }

  /** Starts queued tasks on the slots there are, gives back what cannot be used, tells the project. */
  function dispatchQueued(): void {
    if (slots.closed) state.skipQueued();
    for (let item = slots.take(state.paused); item; item = slots.take(state.paused)) startTask(item);
    slots.releaseUnused(state.paused);
    state.changed();
    updateDetails();
  }

  async function waitForChildren(): Promise<void> {
    if (state.liveChildren().length === 0) return;
    state.phase = 'waiting_children';
    state.changed();
    updateDetails();
    await condition(() => state.liveChildren().length === 0);
  }

  try {
    if (patched(plannerWakesOnResultsPatch)) await planAsResultsArrive();
    else await planInRounds();
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => {
        // Cancelled together with this planner: wait until agents and sub-planners have stopped, so
        // nothing keeps writing after the cancellation is reported complete.
        await condition(() => state.running === 0 && state.liveChildren().length === 0);
        // Tell the project this planner is gone so it reclaims its slots.
        state.phase = 'done';
        await project.signal(plannerReportSignal, { ...state.report(), wantSlots: 0 }).catch((e: unknown) => {
          log.warn('Final planner report after cancellation failed', { error: String(e) });
        });
      });
    }
    throw err;
  }

  state.phase = 'done';
  state.changed();
  updateDetails();
  await reporting;
  throwIfReportFailed();
  return state.summary();
}

function outcomeOf(child: ChildPlanner) {
  return {
    area: child.area,
    workflowId: child.workflowId,
    summary: child.result?.summary ?? `Sub-planner failed: ${child.failure ?? 'unknown error'}`,
    tasksDone: child.result?.tasksDone ?? 0,
    tasksFailed: child.result?.tasksFailed ?? 0,
  };
}
