import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { cycleStatusQuery } from '../../src/contract/messages/cycleMessages';
import { plannerStatusQuery } from '../../src/contract/messages/plannerMessages';
import { projectStatusQuery, setLimitsUpdate } from '../../src/contract/messages/projectMessages';
import { pauseSignal, resumeSignal, steerSignal, stopSignal } from '../../src/contract/messages/operatorMessages';
import { projectWorkflow } from '../../src/workflows/projectWorkflow';
import type { PlannerAgentRequest } from '../../src/agents/agentContracts';
import { eventually, Gate } from '../support/gate';
import { uniqueName, withLonghaulWorkers } from '../support/longhaulTestWorkers';
import { RecordingWorkspace } from '../support/recordingWorkspace';
import { scriptedAgents, writeTaskFile } from '../support/scriptedAgents';
import { testDeps } from '../support/testDeps';

const task = (title: string) => ({ title, instructions: `do ${title}` });

test('pause, resume, steer, stop, the status query and the setLimits update work on a running project', async () => {
  const taskQueue = uniqueName('controls');
  const projectId = taskQueue;
  const cycleOneGate = new Gate();
  const cycleTwoGate = new Gate();
  const plans: PlannerAgentRequest[] = [];
  const rootHeard = new Set<string>();
  const agents = scriptedAgents({
    plan(req) {
      plans.push(req);
      if (req.cycle === 1 && req.depth === 0 && req.round === 0) {
        return {
          summary: 'root',
          tasks: ['A1', 'A2', 'A3', 'A4'].map(task),
          subplanners: [{ area: 'docs', goal: 'write the docs' }],
          done: false,
        };
      }
      if (req.cycle === 1 && req.depth === 1) return { summary: 'docs', tasks: ['D1', 'D2'].map(task), subplanners: [], done: true };
      if (req.cycle === 2 && req.round === 0) return { summary: 'cycle 2', tasks: [task('B1')], subplanners: [], done: true };
      if (req.cycle === 1 && req.depth === 0) {
        // The root keeps its area open until it has heard of every task and of its sub-planner.
        req.results.forEach((r) => rootHeard.add(r.title));
        req.subplannerOutcomes.forEach((o) => rootHeard.add(o.area));
        return { summary: 'waiting for the rest', tasks: [], subplanners: [], done: rootHeard.size === 5 };
      }
      return { summary: 'nothing left', tasks: [], subplanners: [], done: true };
    },
    async work(req, ctx) {
      await (req.cycle === 1 ? cycleOneGate : cycleTwoGate).pass(ctx.signal);
      return writeTaskFile(req);
    },
    judge: () => ({ verdict: 'continue', reasons: 'more to do' }),
  });

  await withLonghaulWorkers({ taskQueue, deps: testDeps(agents, new RecordingWorkspace()) }, async (client) => {
    const handle = await client.workflow.start(projectWorkflow, {
      taskQueue,
      workflowId: projectId,
      args: [{ goal: 'ship it', repo: '/unused', limits: { maxParallelWorkers: 2 } }],
    });
    const status = () => handle.query(projectStatusQuery);

    // The status query shows the live tree, counts and limits; the cap holds across planners.
    const running = await eventually(
      async () => {
        const s = await status();
        // Both planners have planned: 6 tasks, 2 of them running under the cap.
        return s.tasks.running === 2 && s.tasks.queued === 4 && s.planners.length === 2 && s;
      },
      30_000,
      'two running and four queued tasks',
    );
    expect(running).toMatchObject({ projectId, phase: 'running', cycle: 1, cycleWorkflowId: `${projectId}/cycle-1`, paused: false });
    expect(running.limits.maxParallelWorkers).toBe(2);
    expect(running.tasks.queued).toBe(4);
    expect(running.planners.map((p) => p.area).sort()).toEqual(['docs', 'whole project']);
    expect(running.planners.find((p) => p.area === 'docs')?.parentId).toBe(`${projectId}/cycle-1/planner`);
    expect(running.usage.calls).toBeGreaterThanOrEqual(2);

    // setLimits applies at once; a bad patch is rejected naming the field.
    const newLimits = await handle.executeUpdate(setLimitsUpdate, { args: [{ maxParallelWorkers: 3 }] });
    expect(newLimits.maxParallelWorkers).toBe(3);
    await eventually(async () => (await status()).tasks.running === 3, 15_000, 'a third running task');
    const rejected = handle.executeUpdate(setLimitsUpdate, { args: [{ maxParallelWorkers: 0 }] });
    await expect(rejected).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await expect(rejected).rejects.toMatchObject({ cause: { message: expect.stringContaining('maxParallelWorkers') } });

    // Pause: running tasks finish, no new one starts.
    await handle.signal(pauseSignal);
    await eventually(async () => (await status()).phase === 'paused', 10_000, 'paused phase');
    cycleOneGate.open();
    const drained = await eventually(
      async () => {
        const s = await status();
        return s.tasks.running === 0 && s.tasks.done === 3 && s;
      },
      15_000,
      'running tasks to finish',
    );
    await new Promise((r) => setTimeout(r, 1_500));
    const stillPaused = await status();
    expect(stillPaused.totals.started).toBe(drained.totals.started);
    expect(stillPaused.tasks.queued).toBe(3);
    const rootPlanner = client.workflow.getHandle(`${projectId}/cycle-1/planner`);
    expect(await rootPlanner.query(plannerStatusQuery)).toMatchObject({ paused: true, state: 'paused' });

    // A malformed steer cannot be rejected; it is ignored instead of failing the project.
    await handle.signal(steerSignal, { instruction: '   ' });
    await handle.signal(steerSignal, { wrong: true } as unknown as { instruction: string });

    // Steer: recorded by the project, forwarded down the tree, seen at the next planning step.
    await handle.signal(steerSignal, { instruction: 'prefer small commits' });
    await eventually(
      async () => (await rootPlanner.query(plannerStatusQuery)).steering.includes('prefer small commits'),
      10_000,
      'steering at the root planner',
    );
    expect((await status()).pendingSteering).toEqual(['prefer small commits']);

    await handle.signal(resumeSignal);
    await eventually(async () => (await status()).cycle === 2, 30_000, 'cycle 2');
    // The root planner plans again as results arrive: across its later steps it has seen every
    // task's result and the sub-planner's outcome, each once, and the steering from then on.
    const rootReplans = plans.filter((p) => p.cycle === 1 && p.depth === 0 && p.round >= 1);
    expect(rootReplans[0]?.steering).toEqual(['prefer small commits']);
    expect(rootReplans.flatMap((p) => p.results.map((r) => r.title)).sort()).toEqual(['A1', 'A2', 'A3', 'A4']);
    expect(rootReplans.flatMap((p) => p.results.map((r) => r.status))).toEqual(['done', 'done', 'done', 'done']);
    expect(rootReplans.flatMap((p) => p.subplannerOutcomes)).toMatchObject([{ area: 'docs', tasksDone: 2 }]);
    await eventually(async () => plans.some((p) => p.cycle === 2), 10_000, 'cycle 2 planning');
    expect(plans.find((p) => p.cycle === 2)?.steering).toEqual(['prefer small commits']);
    expect(plans.find((p) => p.cycle === 2)?.previousVerdict).toContain('continue');

    // The cycle answers for its own subtree.
    const cycleTwo = await client.workflow.getHandle(`${projectId}/cycle-2`).query(cycleStatusQuery);
    expect(cycleTwo).toMatchObject({ cycle: 2, phase: 'planning', rootPlannerId: `${projectId}/cycle-2/planner` });

    // Stop: the current cycle finishes, then the project ends.
    await handle.signal(stopSignal);
    expect((await status()).stopRequested).toBe(true);
    cycleTwoGate.open();
    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'stopped', cycles: 2, tasksDone: 7, tasksFailed: 0 });
    expect(result.verdicts.map((v) => v.cycle)).toEqual([1, 2]);
  });
});

test('cancelling a project cancels its cycle, planners and running agents', async () => {
  const taskQueue = uniqueName('cancel');
  const gate = new Gate();
  let cancelledAgents = 0;
  const agents = scriptedAgents({
    plan: (req) => ({ summary: 'plan', tasks: req.round === 0 ? [task('T1'), task('T2')] : [], subplanners: [], done: req.round > 0 }),
    async work(req, ctx) {
      ctx.signal.addEventListener('abort', () => cancelledAgents++);
      await gate.pass(ctx.signal);
      return writeTaskFile(req);
    },
    judge: () => ({ verdict: 'done', reasons: 'ok' }),
  });
  await withLonghaulWorkers({ taskQueue, deps: testDeps(agents, new RecordingWorkspace()) }, async (client) => {
    const handle = await client.workflow.start(projectWorkflow, {
      taskQueue,
      workflowId: taskQueue,
      args: [{ goal: 'g', repo: '/unused' }],
    });
    await eventually(async () => gate.waiting === 2, 30_000, 'two blocked agents');
    await handle.cancel();
    const failure = await handle.result().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(cancelledAgents).toBe(2);
    // The project ends once the cycle has told it the tree wound down; the cycle closes right after.
    const status = async (id: string): Promise<string> => (await client.workflow.getHandle(id).describe()).status.name;
    await eventually(async () => (await status(`${taskQueue}/cycle-1`)) === 'CANCELLED', 10_000, 'the cycle cancelled');
    expect(await status(`${taskQueue}/cycle-1/planner`)).toBe('CANCELLED');
  });
});

test('cancelling one cycle from outside ends that cycle only; the project goes on with a fresh one', async () => {
  const taskQueue = uniqueName('cancelcycle');
  const gate = new Gate();
  const agents = scriptedAgents({
    plan: (req) => ({
      summary: 'plan',
      tasks: req.round === 0 ? [task(`cycle ${req.cycle} task`)] : [],
      subplanners: [],
      done: req.round > 0,
    }),
    async work(req, ctx) {
      if (req.cycle === 1) await gate.pass(ctx.signal);
      return writeTaskFile(req);
    },
    judge: () => ({ verdict: 'done', reasons: 'ok' }),
  });
  await withLonghaulWorkers({ taskQueue, deps: testDeps(agents, new RecordingWorkspace()) }, async (client) => {
    const handle = await client.workflow.start(projectWorkflow, {
      taskQueue,
      workflowId: taskQueue,
      args: [{ goal: 'g', repo: '/unused' }],
    });
    await eventually(async () => gate.waiting === 1, 30_000, 'a blocked agent in cycle 1');
    await client.workflow.getHandle(`${taskQueue}/cycle-1`).cancel();
    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'done', cycles: 2, tasksDone: 1 });
    expect(result.verdicts.map((v) => v.cycle)).toEqual([2]);
    expect((await client.workflow.getHandle(`${taskQueue}/cycle-1`).describe()).status.name).toBe('CANCELLED');
  });
});
