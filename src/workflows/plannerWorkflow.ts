import {
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
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/createActivities';
import { roleActivityOptions } from '../contract/activityOptions';
import { grantSlotsSignal, plannerStatusQuery, SlotGrant } from '../contract/messages/plannerMessages';
import { pauseSignal, resumeSignal, steerSignal } from '../contract/messages/operatorMessages';
import { plannerReportSignal } from '../contract/messages/projectMessages';
import { parseInput } from '../schemas/parseInput';
import type { PlanResult } from '../schemas/plan';
import { PlannerInput, type PlannerSummary } from '../schemas/planner';
import { parseSignal } from './parseSignal';
import { lineUpGrantsPatch, taskClaimsPatch } from './claimRegistry';
import { PlannerState } from './plannerState';
import { PlannerReporter } from './plannerReporter';
import { parkInQueuePatch, PlannerTasks } from './plannerTasks';
import { queueOutcomeSignal } from '../contract/messages/mergeQueueMessages';
import { QueueOutcomeNotice } from '../schemas/mergeQueue';
import { outcomeOf, startSubplanners } from './subplanners';
import { phaseRecorder } from './visibility';

type Activities = ReturnType<typeof createActivities>;

/** Planners that plan again as results arrive (rather than once per round) carry this patch. */
export const plannerWakesOnResultsPatch = 'planner-wakes-on-results';
/** Planners that keep the results arriving during a planning step for the next step carry this patch. */
export const plannerKeepsNewsPatch = 'planner-keeps-news-during-steps';
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
  // Takes tasks lined up behind its grants on the slots it holds, and reports what is not urgent at most once a second.
  slots.takesLineUps = slots.byClaims && patched(lineUpGrantsPatch);
  // Results that come back while a planning step runs are given to the next step, not dropped.
  state.keepsNewsDuringSteps = patched(plannerKeepsNewsPatch);
  // A task through the merge queue gives its slot back once its change joined the queue, and waits here for the queue's word.
  state.parksInQueue = patched(parkInQueuePatch);

  const tasks = new PlannerTasks(state, runWorkerTask, workOptions, () => reporter.throwIfFailed(), updateDetails);

  setHandler(grantSlotsSignal, (raw: SlotGrant) => onGrant(raw));
  setHandler(pauseSignal, () => (relay.pause(), state.changed()));
  setHandler(resumeSignal, () => (relay.resume(), state.changed()));
  setHandler(steerSignal, (raw) => void (relay.steer(raw) && state.changed()));
  setHandler(plannerStatusQuery, () => state.status());
  setHandler(queueOutcomeSignal, (raw) => onQueueWord(raw));

  function onQueueWord(raw: QueueOutcomeNotice): void {
    const notice = parseSignal(QueueOutcomeNotice, raw, 'merge queue outcome');
    if (notice) state.noteQueueWord(notice);
  }

  function onGrant(raw: SlotGrant): void {
    const grant = parseSignal(SlotGrant, raw, 'slot grant');
    if (!grant) return;
    const { taskIds } = grant;
    if (taskIds) for (const item of slots.grantNamed({ ...grant, taskIds }, state.paused)) tasks.start(item);
    else slots.grant(grant);
    state.changed();
  }

  const recordPhase = phaseRecorder(settings.searchAttributes);
  function updateDetails(): void {
    recordPhase(state.displayedPhase());
    setCurrentDetails(state.details());
  }

  const reporter = new PlannerReporter(state, scope.projectWorkflowId);

  async function planStep(): Promise<PlanResult> {
    return planArea.executeWithOptions({ ...planOptions, summary: `Plan ${input.area} (round ${state.round + 1})` }, [
      state.planStepInput(),
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
      const roundChildren = await startSubplanners(state, plan, updateDetails);
      if (plan.tasks.length === 0 && roundChildren.length === 0) break;

      state.phase = 'working';
      await tasks.drainQueue();
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
        tasks.dispatchQueued();
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
        await startSubplanners(state, plan, updateDetails);
        state.phase = 'working';
        state.changed();
        updateDetails();
        if (plan.done) break;
        await condition(() => state.hasNews() || state.idle() || slots.closed || reporter.failed);
        reporter.throwIfFailed();
        if (!state.hasNews()) break; // The step added nothing and nothing runs: the area is planned out.
        if (!state.idle()) await sleep(resultDebounce);
      }
      tasks.dispatchQueued();
      await condition(() => (slots.queue.length === 0 && state.tasksSettled()) || reporter.failed);
      reporter.throwIfFailed();
      await waitForChildren();
    } finally {
      dispatching = false;
      state.changed();
      await dispatcher;
    }
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
        await condition(() => state.running === 0 && state.fixing === 0 && state.liveChildren().length === 0);
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
  await reporter.finished;
  reporter.throwIfFailed();
  return state.summary();
}
