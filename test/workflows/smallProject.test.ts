import { projectWorkflow } from '../../src/workflows/projectWorkflow';
import { RecordingWorkspace } from '../support/recordingWorkspace';
import { scriptedAgents } from '../support/scriptedAgents';
import { testDeps } from '../support/testDeps';
import { uniqueName, withLonghaulWorkers } from '../support/longhaulTestWorkers';

test('a two-cycle project with one sub-planner runs every task once and ends done', async () => {
  const taskQueue = uniqueName('small');
  const workspace = new RecordingWorkspace();
  const agents = scriptedAgents({
    plan: (req) => ({
      summary: `plan for ${req.area}`,
      tasks: req.round === 0 ? [1, 2, 3].map((n) => ({ title: `${req.area} task ${n}`, instructions: 'do it' })) : [],
      subplanners: req.depth === 0 && req.round === 0 ? [{ area: 'docs', goal: 'write docs' }] : [],
      done: req.round >= 0,
    }),
    judge: (req) => ({ verdict: req.cycle >= 2 ? 'done' : 'continue', reasons: `cycle ${req.cycle}` }),
  });
  const result = await withLonghaulWorkers({ taskQueue, deps: testDeps(agents, workspace) }, (client) =>
    client.workflow.execute(projectWorkflow, {
      taskQueue,
      workflowId: taskQueue,
      args: [{ goal: 'build it', repo: '/nowhere', limits: { maxParallelWorkers: 2 } }],
    }),
  );
  expect(result.outcome).toBe('done');
  expect(result.cycles).toBe(2);
  expect(result.tasksDone).toBe(12);
  expect([...workspace.integrations.values()].every((n) => n === 1)).toBe(true);
  expect(workspace.integrations.size).toBe(12);
});
