import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { PlannerAgentRequest } from '../../src/agents/agentContracts';
import type { ProjectInput } from '../../src/schemas/projectInput';
import { projectStatusQuery } from '../../src/contract/messages/projectMessages';
import { steerSignal } from '../../src/contract/messages/operatorMessages';
import { projectWorkflow } from '../../src/workflows/projectWorkflow';
import { historyStats } from '../support/historyStats';
import { uniqueName, withLonghaulWorkers } from '../support/longhaulTestWorkers';
import { RecordingWorkspace } from '../support/recordingWorkspace';
import { scriptedAgents, writeTaskFile } from '../support/scriptedAgents';
import { testDeps } from '../support/testDeps';

const EventType = temporal.api.enums.v1.EventType;
const task = (title: string) => ({ title, instructions: `do ${title}` });
const oneTaskPerCycle = scriptedAgents({
  plan: (req) => ({ summary: 'plan', tasks: req.round === 0 ? [task(`cycle ${req.cycle}`)] : [], subplanners: [], done: req.round > 0 }),
  judge: () => ({ verdict: 'continue', reasons: 'keep going' }),
});

test('a bad input fails the project at once, naming the field, without retrying workflow tasks', async () => {
  const taskQueue = uniqueName('badinput');
  await withLonghaulWorkers({ taskQueue, deps: testDeps(oneTaskPerCycle, new RecordingWorkspace()) }, async (client) => {
    const bad = { repo: '/x', limits: { maxParallelWorkers: -3 } } as unknown as ProjectInput;
    const failure = await client.workflow
      .execute(projectWorkflow, { taskQueue, workflowId: taskQueue, args: [bad] })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause.type).toBe('InvalidInput');
    expect(cause.nonRetryable).toBe(true);
    expect(cause.message).toContain('goal');
    expect(cause.message).toContain('limits.maxParallelWorkers');
    const history = await client.workflow.getHandle(taskQueue).fetchHistory();
    const types = (history.events ?? []).map((e) => e.eventType);
    expect(types).toContain(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED);
    expect(types).not.toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);

    const badId = `${taskQueue} with spaces`;
    const idFailure = await client.workflow
      .execute(projectWorkflow, { taskQueue, workflowId: badId, args: [{ goal: 'g', repo: '/x' }] })
      .catch((e: unknown) => e);
    expect(((idFailure as WorkflowFailedError).cause as ApplicationFailure).message).toContain('branch names');
  });
});

test('a failed worker task goes back to its planner, which plans a fix, and the cycle goes on', async () => {
  const taskQueue = uniqueName('replan');
  const plans: PlannerAgentRequest[] = [];
  const agents = scriptedAgents({
    plan(req) {
      plans.push(req);
      if (req.round === 0) return { summary: 'first', tasks: [task('solid'), task('doomed')], subplanners: [], done: false };
      if (req.round === 1) return { summary: 'fix', tasks: [task('fix doomed')], subplanners: [], done: false };
      return { summary: 'all good', tasks: [], subplanners: [], done: true };
    },
    work(req) {
      if (req.task.title === 'doomed') throw ApplicationFailure.nonRetryable('the compiler crashed', 'ToolchainError');
      return writeTaskFile(req);
    },
    judge: () => ({ verdict: 'done', reasons: 'fixed' }),
  });
  const workspace = new RecordingWorkspace();
  const result = await withLonghaulWorkers({ taskQueue, deps: testDeps(agents, workspace) }, (client) =>
    client.workflow.execute(projectWorkflow, { taskQueue, workflowId: taskQueue, args: [{ goal: 'g', repo: '/x' }] }),
  );
  expect(result).toMatchObject({ outcome: 'done', cycles: 1, tasksDone: 2, tasksFailed: 1 });
  const replan = plans.find((p) => p.round === 1);
  // Results come back in the order the tasks finished.
  expect(replan?.results).toHaveLength(2);
  expect(replan?.results).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ title: 'solid', status: 'done' }),
      expect.objectContaining({ title: 'doomed', status: 'failed', summary: expect.stringContaining('the compiler crashed') }),
    ]),
  );
  expect([...workspace.integrations.keys()].length).toBe(2);
});

test('continue-as-new every few cycles keeps state, and signals sent during the switch are not lost', async () => {
  const taskQueue = uniqueName('can');
  const workspace = new RecordingWorkspace();
  await withLonghaulWorkers({ taskQueue, deps: testDeps(oneTaskPerCycle, workspace) }, async (client) => {
    const handle = await client.workflow.start(projectWorkflow, {
      taskQueue,
      workflowId: taskQueue,
      args: [{ goal: 'g', repo: '/x', limits: { maxCycles: 12 } }],
    });
    const sent: string[] = [];
    let finished = false;
    const resultPromise = handle.result().finally(() => {
      finished = true;
    });
    // Keep signalling while the project runs through its hand-overs.
    let lastRun = (await handle.describe()).runId;
    while (!finished && sent.length < 18) {
      const runId = (await handle.describe()).runId;
      const burst = runId !== lastRun ? 3 : 1; // A new run just began: hit the switch harder.
      lastRun = runId;
      for (let i = 0; i < burst && sent.length < 18; i++) {
        const instruction = `steer ${sent.length + 1}`;
        await handle.signal(steerSignal, { instruction });
        sent.push(instruction);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    const result = await resultPromise;
    expect(result).toMatchObject({ outcome: 'limit_reached', cycles: 12, tasksDone: 12 });
    expect(workspace.integrations.size).toBe(12);
    const status = await handle.query(projectStatusQuery);
    expect(status.pendingSteering).toEqual(sent);
    const runs = (await historyStats(client, taskQueue)).filter((s) => s.type === 'projectWorkflow');
    expect(runs.length).toBeGreaterThanOrEqual(3);
    console.log(`12 cycles ran in ${runs.length} project runs; ${sent.length} signals sent, all received`);
  });
});

test('reaching maxCostUsd tells every running planner to stop, and the project ends limit_reached', async () => {
  const taskQueue = uniqueName('costlimit');
  const agents = scriptedAgents({
    plan: (req) =>
      req.depth === 0 && req.round === 0
        ? {
            summary: 'split',
            tasks: [task('root 1'), task('root 2')],
            subplanners: [
              { area: 'a', goal: 'a' },
              { area: 'b', goal: 'b' },
            ],
            done: false,
          }
        : req.round === 0
          ? { summary: req.area, tasks: [1, 2, 3, 4].map((n) => task(`${req.area} ${n}`)), subplanners: [], done: false }
          : { summary: 'more', tasks: [task(`${req.area} again ${req.round}`)], subplanners: [], done: false },
    judge: () => ({ verdict: 'continue', reasons: 'not yet' }),
  });
  // Each scripted call costs $0.0015: the three first plans alone cross $0.004.
  const result = await withLonghaulWorkers({ taskQueue, deps: testDeps(agents, new RecordingWorkspace()) }, (client) =>
    client.workflow.execute(projectWorkflow, {
      taskQueue,
      workflowId: taskQueue,
      args: [{ goal: 'g', repo: '/x', limits: { maxCostUsd: 0.004, maxParallelWorkers: 1 } }],
    }),
  );
  expect(result.outcome).toBe('limit_reached');
  expect(result.reason).toContain('maxCostUsd');
  expect(result.cycles).toBe(1);
  // Planners stopped planning once told: no further rounds, and far from all tasks ran.
  expect(agents.calls.plan).toBeLessThanOrEqual(3);
  expect(agents.calls.work).toBeLessThan(10);
});
