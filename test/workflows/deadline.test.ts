import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime } from '@temporalio/worker';
import { findTemporalTestServer } from '../../src/devServer/findTemporalCli';
import { pauseSignal } from '../../src/contract/messages/operatorMessages';
import { projectWorkflow } from '../../src/workflows/projectWorkflow';
import { createLonghaulWorkers, runLonghaulWorkers } from '../../src/workers/createLonghaulWorkers';
import { workerRoles } from '../../src/contract/roles';
import { RecordingWorkspace } from '../support/recordingWorkspace';
import { scriptedAgents } from '../support/scriptedAgents';
import { testDeps } from '../support/testDeps';
import { readTestServerInfo } from '../support/testServerInfo';
import { uniqueName } from '../support/longhaulTestWorkers';
import { quietLogger } from '../support/quietLogger';

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  Runtime.install({ logger: quietLogger() });
  // An installed test server when there is one; otherwise the SDK downloads it.
  const installed = findTemporalTestServer();
  const options = installed ? { server: { executable: { type: 'existing-path' as const, path: installed } } } : undefined;
  // The SDK gives the server only about 5 s to come up; on a busy 2-core machine that is sometimes
  // too short, so a failed start is tried again.
  for (let attempt = 1; ; attempt++) {
    try {
      env = await TestWorkflowEnvironment.createTimeSkipping(options);
      return;
    } catch (err) {
      if (attempt === 4) throw err;
      console.warn(`Time-skipping test server did not start (attempt ${attempt}), trying again: ${(err as Error).message.slice(0, 120)}`);
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
}, 120_000);

afterAll(async () => {
  await env?.teardown();
});

test('a paused project ends at its deadline days later (time-skipping server)', async () => {
  const taskQueue = uniqueName('deadline');
  const agents = scriptedAgents({
    plan: () => ({ summary: 'nothing', tasks: [], subplanners: [], done: true }),
    judge: () => ({ verdict: 'continue', reasons: 'never satisfied' }),
  });
  const workers = await createLonghaulWorkers({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    roles: [...workerRoles],
    deps: testDeps(agents, new RecordingWorkspace()),
    workflows: { workflowBundle: { codePath: readTestServerInfo().workflowBundlePath } },
  });
  const startedAt = await env.currentTimeMs();
  const deadline = new Date(startedAt + 3 * 24 * 3_600_000).toISOString();
  const { result, description } = await runLonghaulWorkers(
    workers,
    (async () => {
      const handle = await env.client.workflow.start(projectWorkflow, {
        taskQueue,
        workflowId: taskQueue,
        args: [{ goal: 'g', repo: '/x', limits: { deadline, maxCycles: 1_000 } }],
      });
      await handle.signal(pauseSignal);
      return { result: await handle.result(), description: await handle.describe() };
    })(),
  );
  expect(result).toMatchObject({ outcome: 'limit_reached', reason: expect.stringContaining('deadline') });
  const elapsedDays = ((description.closeTime?.getTime() ?? 0) - description.startTime.getTime()) / (24 * 3_600_000);
  expect(elapsedDays).toBeGreaterThan(2.99);
  expect(elapsedDays).toBeLessThan(3.5);
});
