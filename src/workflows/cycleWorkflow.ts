import {
  CancellationScope,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/createActivities';
import { CycleInput, type CycleStatus, type CycleSummary } from '../schemas/cycle';
import type { PlannerInput, PlannerSummary } from '../schemas/planner';
import { addUsage } from '../schemas/usage';
import { rootPlannerWorkflowId } from '../contract/workflowIds';
import { roleActivityOptions } from '../contract/activityOptions';
import { cycleStatusQuery } from '../contract/messages/cycleMessages';
import { cycleFinishedSignal } from '../contract/messages/projectMessages';
import { pauseSignal, resumeSignal, SteerInput, steerSignal } from '../contract/messages/operatorMessages';
import { parseInput } from '../schemas/parseInput';
import { subtreeTotalsOf } from '../schemas/subtreeTotals';
import { parseSignal } from './parseSignal';
import { describeFailure } from './describeFailure';
import { plannerWorkflow } from './plannerWorkflow';
import { phaseRecorder, startAttributes } from './visibility';

type Activities = ReturnType<typeof createActivities>;

/** Steering instructions kept, as in the project and the planners. */
const keptSteering = 20;

/**
 * One fresh cycle: fix the base commit, let the root planner (and its tree) plan and run the work,
 * then have the judge decide from the repository whether to go on. Always tells the project how it
 * ended, by workflow id, so the project may have continued-as-new in the meantime.
 */
export async function cycleWorkflow(rawInput: CycleInput): Promise<CycleSummary> {
  const input = parseInput(CycleInput, rawInput, 'cycle input');
  const { settings, cycle } = input;
  const taskQueue = workflowInfo().taskQueue;
  const rootPlannerId = rootPlannerWorkflowId(settings.projectId, cycle);
  const heartbeatSeconds = settings.heartbeatTimeoutSeconds;
  const { prepareCycle } = proxyActivities<Activities>(roleActivityOptions('planner', taskQueue, heartbeatSeconds));
  const { judgeCycle } = proxyActivities<Activities>(roleActivityOptions('judge', taskQueue, heartbeatSeconds));
  const project = getExternalWorkflowHandle(input.projectWorkflowId);

  const recordPhase = phaseRecorder(settings.searchAttributes);
  const status: CycleStatus = { cycle, phase: 'preparing', paused: input.paused, steering: [...input.steering] };
  let rootRunning = false;

  const forwardToRoot = (send: () => Promise<void>): void => {
    // Before the root planner starts it gets the current state in its input; after it ends there is no one to tell.
    if (!rootRunning) return;
    send().catch((err: unknown) => log.warn('Could not forward a signal to the root planner', { error: String(err) }));
  };
  setHandler(cycleStatusQuery, () => status);
  setHandler(pauseSignal, () => {
    status.paused = true;
    forwardToRoot(() => getExternalWorkflowHandle(rootPlannerId).signal(pauseSignal));
  });
  setHandler(resumeSignal, () => {
    status.paused = false;
    forwardToRoot(() => getExternalWorkflowHandle(rootPlannerId).signal(resumeSignal));
  });
  setHandler(steerSignal, (raw: SteerInput) => {
    const steer = parseSignal(SteerInput, raw, 'steer signal');
    if (!steer) return;
    status.steering.push(steer.instruction);
    if (status.steering.length > keptSteering) status.steering.splice(0, status.steering.length - keptSteering);
    forwardToRoot(() => getExternalWorkflowHandle(rootPlannerId).signal(steerSignal, steer));
  });

  const details = (text: string): void => {
    recordPhase(status.phase);
    setCurrentDetails(`**Cycle ${cycle}** — ${text}\n\nGoal: ${settings.goal.slice(0, 1_000)}`);
  };

  try {
    details('preparing the repository');
    const prepared = await prepareCycle({
      projectId: settings.projectId,
      repo: settings.repo,
      baseBranch: settings.baseBranch,
      targetBranch: settings.targetBranch,
      cycle,
    });
    status.baseCommit = prepared.baseCommit;
    status.phase = 'planning';
    status.rootPlannerId = rootPlannerId;
    details(`planning and working from ${prepared.baseCommit.slice(0, 12)}`);

    const rootInput: PlannerInput = {
      projectWorkflowId: input.projectWorkflowId,
      projectId: settings.projectId,
      cycle,
      path: 'p0',
      depth: 0,
      goal: settings.goal,
      area: 'whole project',
      areaGoal: settings.goal,
      repo: settings.repo,
      baseCommit: prepared.baseCommit,
      targetBranch: prepared.targetBranch,
      testCommand: settings.testCommand,
      models: settings.models,
      maxPlannerDepth: settings.limits.maxPlannerDepth,
      maxPlannerRounds: settings.limits.maxPlannerRounds,
      steering: [...status.steering],
      previousVerdict: input.previousVerdict,
      paused: status.paused,
      searchAttributes: settings.searchAttributes,
      heartbeatTimeoutSeconds: heartbeatSeconds,
    };
    const rootHandle = await startChild(plannerWorkflow, {
      workflowId: rootPlannerId,
      args: [rootInput],
      staticSummary: `Root planner, cycle ${cycle}`,
      staticDetails: settings.goal.slice(0, 2_000),
      typedSearchAttributes: startAttributes(settings.searchAttributes, settings.projectId, 'planner', cycle),
    });
    // Forward from now on; first send what changed while the root planner was starting.
    rootRunning = true;
    for (const instruction of status.steering.slice(rootInput.steering.length)) {
      forwardToRoot(() => getExternalWorkflowHandle(rootPlannerId).signal(steerSignal, { instruction }));
    }
    if (status.paused !== rootInput.paused) {
      forwardToRoot(() => getExternalWorkflowHandle(rootPlannerId).signal(status.paused ? pauseSignal : resumeSignal));
    }
    const root: PlannerSummary = await rootHandle.result();
    rootRunning = false;
    status.phase = 'judging';
    details(`judging ${root.tasksDone} done and ${root.tasksFailed} failed tasks`);
    const judged = await judgeCycle.executeWithOptions({ ...roleActivityOptions('judge', taskQueue, heartbeatSeconds), summary: `Judge cycle ${cycle}` }, [{
      projectId: settings.projectId,
      cycle,
      goal: settings.goal,
      repo: settings.repo,
      targetBranch: prepared.targetBranch,
      baseCommit: prepared.baseCommit,
      testCommand: settings.testCommand,
      model: settings.models.judge,
      steering: status.steering,
      plannerSummary: root.summary,
      tasksDone: root.tasksDone,
      tasksFailed: root.tasksFailed,
    }]);
    const { headCommit, ...verdict } = judged;

    const summary: CycleSummary = {
      cycle,
      baseCommit: prepared.baseCommit,
      headCommit,
      ...subtreeTotalsOf(root),
      usage: addUsage(root.usage, verdict.usage),
      verdict,
    };
    status.phase = 'finished';
    status.summary = summary;
    details(`finished: ${verdict.verdict}`);
    await project.signal(cycleFinishedSignal, { cycle, summary });
    return summary;
  } catch (err) {
    // The project waits for this signal: without it, a failed cycle would leave it waiting forever,
    // and a cancelled project could not tell when the tree below it has wound down.
    const error = isCancellation(err) ? 'cancelled' : describeFailure(err);
    await CancellationScope.nonCancellable(() => project.signal(cycleFinishedSignal, { cycle, error }));
    throw err;
  }
}
