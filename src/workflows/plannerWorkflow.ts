import {
  ApplicationFailure,
  CancellationScope,
  condition,
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
import type { PlanResult, SubplannerOutcome } from '../schemas/plan';
import { PlannerInput, type PlannerSummary } from '../schemas/planner';
import type { PlannerStatus } from '../schemas/plannerStatus';
import type { PlannerState } from '../schemas/status';
import { clip, type PlannedTask, type TaskResult, type TaskStatus } from '../schemas/task';
import { addUsage, zeroUsage, type Usage } from '../schemas/usage';
import { roleActivityOptions } from '../contract/activityOptions';
import { subPlannerWorkflowId } from '../contract/workflowIds';
import { grantSlotsSignal, plannerStatusQuery, SlotGrant } from '../contract/messages/plannerMessages';
import type { PlannerReport } from '../schemas/plannerReport';
import { plannerReportSignal } from '../contract/messages/projectMessages';
import { pauseSignal, resumeSignal, SteerInput, steerSignal } from '../contract/messages/operatorMessages';
import { parseInput } from '../schemas/parseInput';
import { addSubtreeTotals, subtreeTotalsOf } from '../schemas/subtreeTotals';
import { parseSignal } from './parseSignal';
import { describeFailure } from './describeFailure';
import { phaseRecorder, startAttributes } from './visibility';

type Activities = ReturnType<typeof createActivities>;

interface QueuedTask {
  taskId: string;
  task: PlannedTask;
}

interface TaskView {
  taskId: string;
  title: string;
  state: 'queued' | 'running' | TaskStatus;
  startedAt?: string;
  summary?: string;
}

interface ChildPlanner {
  workflowId: string;
  area: string;
  result?: PlannerSummary;
  failure?: string;
}

const recentTaskViews = 50;
const maxSteering = 20;

/**
 * Owns one area of the goal: plans it, splits it into tasks for workers and into sub-areas for
 * sub-planners, and plans again from their results until the area is done or out of rounds.
 * Worker slots come from the project, which enforces `maxParallelWorkers` across the whole tree.
 */
export async function plannerWorkflow(rawInput: PlannerInput): Promise<PlannerSummary> {
  const input = parseInput(PlannerInput, rawInput, 'planner input');
  const self = workflowInfo().workflowId;
  const taskQueue = workflowInfo().taskQueue;
  const planOptions = roleActivityOptions('planner', taskQueue, input.heartbeatTimeoutSeconds);
  const workOptions = roleActivityOptions('worker', taskQueue, input.heartbeatTimeoutSeconds);
  const { planArea } = proxyActivities<Activities>(planOptions);
  const { runWorkerTask } = proxyActivities<Activities>(workOptions);
  const project = getExternalWorkflowHandle(input.projectWorkflowId);

  let state: PlannerState = 'planning';
  let round = 0;
  let paused = input.paused;
  let closed = false;
  let closedReason: string | undefined;
  const steering = [...input.steering];
  let lastPlanSummary: string | undefined;
  let usage: Usage = zeroUsage;

  // Slot bookkeeping, cumulative so the project can reconcile reports that cross grants in flight.
  const queue: QueuedTask[] = [];
  let available = 0;
  let grantedSeen = 0;
  let releasedTotal = 0;
  let tasksStarted = 0;
  let running = 0;
  let done = 0;
  let failed = 0;
  let skipped = 0;
  let commits = 0;
  let taskSeq = 0;

  const views: TaskView[] = [];
  const children: ChildPlanner[] = [];
  let resultsSincePlan: Omit<TaskResult, 'usage'>[] = [];
  let outcomesSincePlan: SubplannerOutcome[] = [];

  // Bumped by every event the main loop may be waiting on.
  let version = 0;
  let reportedVersion = -1;

  const liveChildren = (): ChildPlanner[] => children.filter((c) => !c.result && !c.failure);
  const forwardToChildren = (send: (childId: string) => Promise<void>): void => {
    for (const child of liveChildren()) {
      send(child.workflowId).catch((err: unknown) =>
        log.warn('Could not forward a signal to a sub-planner', { child: child.workflowId, error: String(err) }),
      );
    }
  };

  setHandler(grantSlotsSignal, (raw: SlotGrant) => {
    const grant = parseSignal(SlotGrant, raw, 'slot grant');
    if (!grant) return;
    grantedSeen += grant.count;
    available += grant.count;
    if (grant.closed && !closed) {
      closed = true;
      closedReason = grant.reason;
    }
    version++;
  });
  setHandler(pauseSignal, () => {
    paused = true;
    forwardToChildren((id) => getExternalWorkflowHandle(id).signal(pauseSignal));
    version++;
  });
  setHandler(resumeSignal, () => {
    paused = false;
    forwardToChildren((id) => getExternalWorkflowHandle(id).signal(resumeSignal));
    version++;
  });
  setHandler(steerSignal, (raw: SteerInput) => {
    const steer = parseSignal(SteerInput, raw, 'steer signal');
    if (!steer) return;
    const { instruction } = steer;
    steering.push(instruction);
    if (steering.length > maxSteering) steering.splice(0, steering.length - maxSteering);
    forwardToChildren((id) => getExternalWorkflowHandle(id).signal(steerSignal, { instruction }));
    version++;
  });
  setHandler(plannerStatusQuery, (): PlannerStatus => ({
    workflowId: self,
    area: input.area,
    areaGoal: input.areaGoal,
    depth: input.depth,
    state: displayedState(),
    round,
    paused,
    closed,
    steering,
    tasks: { queued: queue.length, running, done, failed },
    recentTasks: views.slice(-recentTaskViews),
    children: children.map((c) => ({
      workflowId: c.workflowId,
      area: c.area,
      finished: Boolean(c.result || c.failure),
      tasksDone: c.result?.tasksDone,
      tasksFailed: c.result?.tasksFailed,
    })),
    usage,
    lastPlanSummary,
  }));

  function displayedState(): PlannerState {
    return paused && state !== 'done' ? 'paused' : state;
  }

  function report(): PlannerReport {
    return {
      workflowId: self,
      parentId: input.parentId,
      cycle: input.cycle,
      area: input.area,
      depth: input.depth,
      state: displayedState(),
      round,
      tasks: { queued: queue.length, running, done, failed },
      wantSlots: paused || closed ? 0 : Math.max(0, queue.length - available),
      grantedSeen,
      releasedTotal,
      tasksStarted,
      usage,
    };
  }

  // Sends the latest state to the project; changes that happen while a signal is in flight are
  // coalesced into the next one, so the project's history grows with activity, not with polling.
  async function reportLoop(): Promise<void> {
    for (;;) {
      await condition(() => version !== reportedVersion);
      reportedVersion = version;
      const snapshot = report();
      await project.signal(plannerReportSignal, snapshot);
      if (snapshot.state === 'done') return;
    }
  }
  // If the project cannot be reached, no slot will ever come: fail loudly instead of waiting forever.
  let reportFailure: unknown;
  const reporting = reportLoop().catch((err: unknown) => {
    reportFailure = err;
    version++;
  });
  function throwIfReportFailed(): void {
    if (reportFailure !== undefined) {
      // A report cut short by this planner's own cancellation is the cancellation, not a lost project.
      if (isCancellation(reportFailure)) throw reportFailure;
      throw ApplicationFailure.create({
        type: 'ProjectUnreachable',
        nonRetryable: true,
        message: `Planner could not report to project ${input.projectWorkflowId}: ${describeFailure(reportFailure)}`,
      });
    }
  }

  const recordPhase = phaseRecorder(input.searchAttributes);
  function updateDetails(): void {
    recordPhase(displayedState());
    setCurrentDetails(
      [
        `**${input.area}** (depth ${input.depth}, round ${round})`,
        `state: ${displayedState()}${closed ? ` (closed: ${closedReason ?? 'limit reached'})` : ''}`,
        `tasks: ${queue.length} queued, ${running} running, ${done} done, ${failed} failed`,
        `sub-planners: ${children.length} (${liveChildren().length} running)`,
        lastPlanSummary ? `last plan: ${lastPlanSummary.slice(0, 500)}` : '',
      ]
        .filter(Boolean)
        .join('\n\n'),
    );
  }

  function recordResult(result: Omit<TaskResult, 'usage'>, taskUsage: Usage): void {
    usage = addUsage(usage, taskUsage);
    if (result.status === 'done') done++;
    else failed++;
    if (result.commit) commits++;
    resultsSincePlan.push(result);
    const view = views.find((v) => v.taskId === result.taskId);
    if (view) {
      view.state = result.status;
      view.summary = result.summary.slice(0, 300);
    }
  }

  function startTask(item: QueuedTask): void {
    running++;
    tasksStarted++;
    const view = views.find((v) => v.taskId === item.taskId);
    if (view) {
      view.state = 'running';
      view.startedAt = new Date().toISOString();
    }
    runWorkerTask.executeWithOptions({ ...workOptions, summary: `Task ${item.taskId}: ${item.task.title}` }, [{
      projectId: input.projectId,
      cycle: input.cycle,
      taskId: item.taskId,
      plannerId: self,
      goal: input.goal,
      task: item.task,
      repo: input.repo,
      targetBranch: input.targetBranch,
      baseCommit: input.baseCommit,
      testCommand: input.testCommand,
      model: input.models.worker,
      steering: [...steering],
    }])
      .then(
        ({ usage: taskUsage, ...result }) => recordResult(result, taskUsage),
        // A failed task never fails the planner: it goes back into the next planning step.
        (err: unknown) =>
          recordResult(
            { taskId: item.taskId, title: item.task.title, status: 'failed', summary: `Task failed: ${describeFailure(err)}` },
            zeroUsage,
          ),
      )
      .finally(() => {
        running--;
        releasedTotal++;
        version++;
        updateDetails();
      });
  }

  function skipQueued(reason: string): void {
    for (const item of queue.splice(0)) {
      skipped++;
      const view = views.find((v) => v.taskId === item.taskId);
      if (view) {
        view.state = 'skipped';
        view.summary = reason;
      }
    }
  }

  /** Runs this round's tasks as slots arrive, returning unused slots at once. */
  async function drainQueue(): Promise<void> {
    while (queue.length > 0 || running > 0) {
      if (closed) skipQueued(`Not started: ${closedReason ?? 'a project limit was reached'}`);
      while (available > 0 && queue.length > 0 && !paused) {
        available--;
        startTask(queue.shift() as QueuedTask);
      }
      if (available > 0 && (queue.length === 0 || paused)) {
        releasedTotal += available;
        available = 0;
      }
      version++;
      updateDetails();
      if (queue.length === 0 && running === 0) break; // Everything was skipped: nothing left to wait for.
      const seen = version;
      await condition(() => version !== seen);
      throwIfReportFailed();
    }
  }

  async function startSubplanners(plan: PlanResult): Promise<ChildPlanner[]> {
    const canSpawn = input.depth < input.maxPlannerDepth;
    if (!canSpawn && plan.subplanners.length > 0) {
      log.warn('Planner at maximum depth proposed sub-planners; ignoring them', { count: plan.subplanners.length });
      return [];
    }
    const started: ChildPlanner[] = [];
    for (const spec of plan.subplanners) {
      if (closed) break; // No slots will come: a new sub-planner would only plan for nothing.
      const workflowId = subPlannerWorkflowId(self, spec.area, new Set(children.map((c) => c.workflowId)));
      const childInput: PlannerInput = {
        ...input,
        parentId: self,
        path: `${input.path}.${children.length}`,
        depth: input.depth + 1,
        area: spec.area,
        areaGoal: spec.goal,
        steering: [...steering],
        paused,
      };
      const handle = await startChild(plannerWorkflow, {
        workflowId,
        args: [childInput],
        staticSummary: `Planner (depth ${input.depth + 1}): ${spec.area}`.slice(0, 200),
        staticDetails: spec.goal.slice(0, 2_000),
        typedSearchAttributes: startAttributes(input.searchAttributes, input.projectId, 'planner', input.cycle),
      });
      // Registered only once it exists, so forwarded signals never go to a child not yet started;
      // what changed while it was starting is sent now.
      const child: ChildPlanner = { workflowId, area: spec.area };
      children.push(child);
      started.push(child);
      const childHandle = getExternalWorkflowHandle(workflowId);
      const catchUp: Promise<void>[] = steering.slice(childInput.steering.length).map((instruction) => childHandle.signal(steerSignal, { instruction }));
      if (paused !== childInput.paused) catchUp.push(childHandle.signal(paused ? pauseSignal : resumeSignal));
      for (const send of catchUp) send.catch((err: unknown) => log.warn('Could not catch a sub-planner up', { child: workflowId, error: String(err) }));
      handle
        .result()
        .then(
          (summary) => {
            child.result = summary;
          },
          (err: unknown) => {
            child.failure = describeFailure(err);
          },
        )
        .finally(() => {
          version++;
          updateDetails();
        });
    }
    return started;
  }

  function outcomeOf(child: ChildPlanner): SubplannerOutcome {
    return {
      area: child.area,
      workflowId: child.workflowId,
      summary: child.result?.summary ?? `Sub-planner failed: ${child.failure ?? 'unknown error'}`,
      tasksDone: child.result?.tasksDone ?? 0,
      tasksFailed: child.result?.tasksFailed ?? 0,
    };
  }

  try {
    let areaDone = false;
    while (!areaDone && !closed && round < input.maxPlannerRounds) {
      if (paused) {
        version++;
        updateDetails();
        await condition(() => !paused || closed);
        if (closed) break;
      }
      state = 'planning';
      version++;
      updateDetails();
      const plan = await planArea.executeWithOptions({ ...planOptions, summary: `Plan ${input.area} (round ${round + 1})` }, [{
        projectId: input.projectId,
        cycle: input.cycle,
        plannerId: self,
        goal: input.goal,
        area: input.area,
        areaGoal: input.areaGoal,
        depth: input.depth,
        canSpawnSubplanners: input.depth < input.maxPlannerDepth,
        round,
        repo: input.repo,
        baseCommit: input.baseCommit,
        model: input.models.planner,
        steering: [...steering],
        previousVerdict: input.previousVerdict
          ? `${input.previousVerdict.verdict}: ${input.previousVerdict.reasons}${input.previousVerdict.nextFocus ? `\nNext focus: ${input.previousVerdict.nextFocus}` : ''}`
          : undefined,
        // Clipped so that even a large round keeps the activity's input far below payload limits.
        results: resultsSincePlan.map((r) => ({ ...r, summary: clip(r.summary, 1_000) })),
        subplannerOutcomes: outcomesSincePlan.map((o) => ({ ...o, summary: clip(o.summary, 1_000) })),
      }]);
      usage = addUsage(usage, plan.usage);
      lastPlanSummary = plan.summary;
      resultsSincePlan = [];
      outcomesSincePlan = [];
      areaDone = plan.done;
      round++;

      for (const task of plan.tasks) {
        const taskId = `c${input.cycle}.${input.path}.r${round}.${++taskSeq}`;
        queue.push({ taskId, task });
        views.push({ taskId, title: task.title, state: 'queued' });
        if (views.length > recentTaskViews * 2) views.splice(0, views.length - recentTaskViews);
      }
      const roundChildren = await startSubplanners(plan);
      if (plan.tasks.length === 0 && roundChildren.length === 0) break;

      state = 'working';
      await drainQueue();
      if (liveChildren().length > 0) {
        state = 'waiting_children';
        version++;
        updateDetails();
        await condition(() => liveChildren().length === 0);
      }
      outcomesSincePlan = roundChildren.map(outcomeOf);
    }
    if (closed) skipQueued(`Not started: ${closedReason ?? 'a project limit was reached'}`);
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => {
        // Cancelled together with this planner: wait until agents and sub-planners have stopped, so
        // nothing keeps writing after the cancellation is reported complete.
        await condition(() => running === 0 && liveChildren().length === 0);
        // Tell the project this planner is gone so it reclaims its slots.
        state = 'done';
        await project.signal(plannerReportSignal, { ...report(), wantSlots: 0 }).catch((e: unknown) => {
          log.warn('Final planner report after cancellation failed', { error: String(e) });
        });
      });
    }
    throw err;
  }

  state = 'done';
  version++;
  updateDetails();
  await reporting;
  throwIfReportFailed();

  // Failed sub-planners add nothing here; the project counts their work from their reports.
  const totals = children.reduce(
    (sum, child) => (child.result ? addSubtreeTotals(sum, subtreeTotalsOf(child.result)) : sum),
    { tasksDone: done, tasksFailed: failed, tasksSkipped: skipped, commits, planners: 1, usage },
  );
  const subtree: PlannerSummary = {
    workflowId: self,
    area: input.area,
    summary: lastPlanSummary ?? 'No plan was made.',
    rounds: round,
    ...totals,
  };
  return subtree;
}
