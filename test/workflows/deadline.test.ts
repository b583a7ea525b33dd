import * as path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { findTemporalCli } from '../../src/devServer/findTemporalCli';
import { pauseSignal } from '../../src/workflows/messages/steeringMessages';
import { projectWorkflow } from '../../src/workflows/projectWorkflow';
import { createLonghaulWorkers, runLonghaulWorkers } from '../../src/workers/createLonghaulWorkers';
import { workerRoles } from '../../src/workers/workerRoles';
import { RecordingWorkspace } from '../support/recordingWorkspace';
import { scriptedAgents } from '../support/scriptedAgents';
import { testDeps } from '../support/testDeps';
import { readTestServerInfo } from '../support/testServerInfo';
import { uniqueName } from '../support/longhaulTestWorkers';

/** The time-skipping test server: `TEMPORAL_TEST_SERVER_PATH`, then PATH, else the SDK downloads it. */
function testServerExecutable(): { type: 'existing-path'; path: string } | undefined {
  const explicit = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (explicit) return { type: 'existing-path', path: explicit };
  const cli = findTemporalCli({ PATH: process.env.PATH, TEMPORAL_CLI_PATH: undefined });
  const beside = cli ? path.join(path.dirname(cli), 'temporal-test-server') : undefined;
  const onPath = findTemporalCli({ PATH: process.env.PATH, TEMPORAL_CLI_PATH: beside });
  return onPath ? { type: 'existing-path', path: onPath } : undefined;
}

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const executable = testServerExecutable();
  env = await TestWorkflowEnvironment.createTimeSkipping(executable ? { server: { executable } } : undefined);
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
  const { result, description } = await runLonghaulWorkers(workers, (async () => {
    const handle = await env.client.workflow.start(projectWorkflow, {
      taskQueue,
      workflowId: taskQueue,
      args: [{ goal: 'g', repo: '/x', limits: { deadline, maxCycles: 1_000 } }],
    });
    await handle.signal(pauseSignal);
    return { result: await handle.result(), description: await handle.describe() };
  })());
  expect(result).toMatchObject({ outcome: 'limit_reached', reason: expect.stringContaining('deadline') });
  const elapsedDays = ((description.closeTime?.getTime() ?? 0) - description.startTime.getTime()) / (24 * 3_600_000);
  expect(elapsedDays).toBeGreaterThan(2.99);
  expect(elapsedDays).toBeLessThan(3.5);
});
