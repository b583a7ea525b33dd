import {
  CancellationScope,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/createActivities';
import { roleActivityOptions } from '../contract/activityOptions';
import { cycleStatusQuery } from '../contract/messages/cycleMessages';
import { pauseSignal, resumeSignal, steerSignal } from '../contract/messages/operatorMessages';
import { cycleFinishedSignal } from '../contract/messages/projectMessages';
import { rootPlannerWorkflowId } from '../contract/workflowIds';
import { CycleInput, type CycleStatus, type CycleSummary } from '../schemas/cycle';
import type { CycleScope } from '../schemas/cycleScope';
import { parseInput } from '../schemas/parseInput';
import type { PlannerInput, PlannerSummary } from '../schemas/planner';
import { subtreeTotalsOf } from '../schemas/subtreeTotals';
import { addUsage } from '../schemas/usage';
import { describeFailure } from './describeFailure';
import { OperatorRelay } from './operatorRelay';
import { plannerWorkflow } from './plannerWorkflow';
import { phaseRecorder } from './visibility';
import { startAttributes } from '../contract/searchAttributes';

type Activities = ReturnType<typeof createActivities>;

/** The cycle's preparation also readies the merge queue's stack checkouts, when tasks land through it. */
export const prepareReadiesStacksPatch = 'prepare-readies-stack-checkouts';

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
  const planOptions = roleActivityOptions('planner', taskQueue, settings.heartbeatTimeoutSeconds);
  const judgeOptions = roleActivityOptions('judge', taskQueue, settings.heartbeatTimeoutSeconds);
  const { prepareCycle } = proxyActivities<Activities>(planOptions);
  const { judgeCycle } = proxyActivities<Activities>(judgeOptions);
  const project = getExternalWorkflowHandle(input.projectWorkflowId);

  // Before the root planner starts it gets the current state in its input; after it ends there is no one to tell.
  let rootRunning = false;
  const relay = new OperatorRelay(input, () => (rootRunning ? [rootPlannerId] : []));
  let phase: CycleStatus['phase'] = 'preparing';
  let baseCommit: string | undefined;
  let summary: CycleSummary | undefined;
  const status = (): CycleStatus => ({
    cycle,
    phase,
    paused: relay.paused,
    steering: relay.steering,
    baseCommit,
    rootPlannerId: baseCommit ? rootPlannerId : undefined,
    summary,
  });
  setHandler(cycleStatusQuery, status);
  setHandler(pauseSignal, () => relay.pause());
  setHandler(resumeSignal, () => relay.resume());
  setHandler(steerSignal, (raw) => void relay.steer(raw));

  const recordPhase = phaseRecorder(settings.searchAttributes);
  const details = (text: string): void => {
    recordPhase(phase);
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
      // Once per cycle, so a broken setup fails here, once, instead of in every task.
      setupCommand: settings.setupCommand,
      ...(settings.testCommand !== undefined && patched(prepareReadiesStacksPatch) ? { stackCheckouts: true } : {}),
    });
    baseCommit = prepared.baseCommit;
    phase = 'planning';
    details(`planning and working from ${prepared.baseCommit.slice(0, 12)}`);

    const scope: CycleScope = {
      projectWorkflowId: input.projectWorkflowId,
      cycle,
      baseCommit: prepared.baseCommit,
      settings: { ...settings, targetBranch: prepared.targetBranch },
      previousVerdict: input.previousVerdict,
    };
    const given = relay.snapshot();
    const rootInput: PlannerInput = { scope, path: 'p0', depth: 0, area: 'whole project', areaGoal: settings.goal, ...given };
    const rootHandle = await startChild(plannerWorkflow, {
      workflowId: rootPlannerId,
      args: [rootInput],
      staticSummary: `Root planner, cycle ${cycle}`,
      staticDetails: settings.goal.slice(0, 2_000),
      typedSearchAttributes: startAttributes(settings.searchAttributes, settings.projectId, 'planner', cycle),
    });
    // Relay from now on; first send what changed while the root planner was starting.
    rootRunning = true;
    relay.catchUp(rootPlannerId, given);
    const root: PlannerSummary = await rootHandle.result();
    rootRunning = false;
    phase = 'judging';
    details(`judging ${root.tasksDone} done and ${root.tasksFailed} failed tasks`);
    const judged = await judgeCycle.executeWithOptions({ ...judgeOptions, summary: `Judge cycle ${cycle}` }, [
      {
        scope,
        steering: relay.steering,
        plannerSummary: root.summary,
        tasksDone: root.tasksDone,
        tasksFailed: root.tasksFailed,
        tasks: root.tasks,
        earlierVerdicts: input.earlierVerdicts,
      },
    ]);
    const { headCommit, ...verdict } = judged;

    summary = {
      cycle,
      baseCommit: prepared.baseCommit,
      headCommit,
      ...subtreeTotalsOf(root),
      usage: addUsage(root.usage, verdict.usage),
      verdict,
    };
    phase = 'finished';
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
