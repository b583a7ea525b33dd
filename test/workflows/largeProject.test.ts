import { projectWorkflow } from '../../src/workflows/projectWorkflow';
import { historyStats, largest, type HistoryStat } from '../support/historyStats';
import { uniqueName, withLonghaulWorkers } from '../support/longhaulTestWorkers';
import { RecordingWorkspace } from '../support/recordingWorkspace';
import { scriptedAgents, scriptedCallUsage } from '../support/scriptedAgents';
import { testDeps } from '../support/testDeps';
import { leafCount, treeScript, type TreeShape } from '../support/treeScript';

interface Run {
  tasks: number;
  planners: number;
  largestByEvents: HistoryStat;
  largestByBytes: HistoryStat;
}

async function runTreeProject(shape: TreeShape, maxParallelWorkers: number): Promise<Run> {
  const taskQueue = uniqueName('large');
  const workspace = new RecordingWorkspace();
  const script = treeScript(shape);
  const agents = scriptedAgents(script);
  const expectedTasks = Array.from({ length: shape.cycles }, (_, i) => shape.tasksPerLeaf(i + 1) * leafCount(shape)).reduce(
    (a, b) => a + b,
    0,
  );

  return withLonghaulWorkers(
    { taskQueue, deps: testDeps(agents, workspace), concurrency: { plan: 8, work: 32, judge: 2 } },
    async (client) => {
      const result = await client.workflow.execute(projectWorkflow, {
        taskQueue,
        workflowId: taskQueue,
        args: [{ goal: 'build a browser', repo: '/unused', limits: { maxParallelWorkers, maxPlannerDepth: shape.branching.length } }],
      });
      expect(result.outcome).toBe('done');
      expect(result.cycles).toBe(shape.cycles);
      expect(result.tasksDone).toBe(expectedTasks);
      expect(result.tasksFailed).toBe(0);
      // Every task landed exactly once.
      expect(workspace.integrations.size).toBe(expectedTasks);
      expect([...workspace.integrations.values()].every((n) => n === 1)).toBe(true);
      // Never more workers at once than the project allows, across the whole tree.
      expect(script.maxConcurrentWorkers()).toBeLessThanOrEqual(maxParallelWorkers);
      expect(script.maxConcurrentWorkers()).toBeGreaterThan(1);
      // Usage adds up exactly: every plan, task and judge call is counted once.
      const calls = agents.calls.plan + agents.calls.work + agents.calls.judge;
      expect(result.usage.calls).toBe(calls);
      expect(result.usage.inputTokens).toBe(calls * scriptedCallUsage.inputTokens);
      expect(result.usage.costUsd).toBeCloseTo(calls * scriptedCallUsage.costUsd, 6);

      const stats = await historyStats(client, taskQueue);
      const planners = stats.filter((s) => s.type === 'plannerWorkflow').length;
      return { tasks: expectedTasks, planners, largestByEvents: largest(stats, 'events'), largestByBytes: largest(stats, 'bytes') };
    },
  );
}

function describeRun(label: string, run: Run): string {
  return `${label}: ${run.tasks} tasks, ${run.planners} planner runs; largest history ${run.largestByEvents.events} events (${run.largestByEvents.type} ${run.largestByEvents.workflowId}), largest by size ${run.largestByBytes.bytes} bytes (${run.largestByBytes.type})`;
}

describe('a large project', () => {
  let base: Run | undefined;

  // Tasks per leaf planner over three cycles: 2 + 2 + 3 = 7.
  const tasksPerLeaf = (cycle: number): number => (cycle === 3 ? 3 : 2);

  test('3 cycles, recursive planners to depth 3 and 56 worker tasks end done', async () => {
    // 2 x 2 x 2 = 8 leaf planners, 7 tasks each.
    const shape: TreeShape = { branching: [2, 2, 2], tasksPerLeaf, cycles: 3 };
    base = await runTreeProject(shape, 12);
    expect(base.tasks).toBe(56);
    console.log(describeRun('56-task project', base));
  }, 300_000);

  test('the largest workflow history stays bounded when the task count grows tenfold', async () => {
    expect(base).toBeDefined();
    // 2 x 4 x 5 = 40 leaf planners, twice the tasks per leaf (4 + 4 + 6): 560 tasks.
    const shape: TreeShape = { branching: [2, 4, 5], tasksPerLeaf: (cycle) => 2 * tasksPerLeaf(cycle), cycles: 3 };
    const big = await runTreeProject(shape, 32);
    expect(big.tasks).toBe(560);
    console.log(describeRun('560-task project', big));
    const baseRun = base as Run;
    // Work spreads over more planners and more continued-as-new project runs, not into one history:
    // ten times the tasks, about the same largest event count. Bytes grow a little with the number of
    // planners running at once (their state is carried across continue-as-new), far below any limit.
    expect(big.largestByEvents.events).toBeLessThan(baseRun.largestByEvents.events * 2);
    expect(big.largestByBytes.bytes).toBeLessThan(baseRun.largestByBytes.bytes * 3);
    expect(big.largestByBytes.bytes).toBeLessThan(1024 * 1024);
  }, 600_000);
});
