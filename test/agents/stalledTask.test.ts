import { MockActivityEnvironment } from '@temporalio/testing';
import { createAgents } from '../../src/agents/createAgents';
import { createRunWorkerTask } from '../../src/activities/runWorkerTask';
import { defaultLimits } from '../../src/schemas/limits';
import { TaskResult } from '../../src/schemas/task';
import { TranscriptStore } from '../../src/state/transcriptStore';
import { RecordingWorkspace } from '../support/recordingWorkspace';
import { startFakeModelServer, type FakeModelServer } from '../support/fakeModelServer';
import { call, fakeModels, OPENAI_MODEL } from './agentHarness';
import { TempDirs } from './tempDirs';

const temps = new TempDirs();
let server: FakeModelServer;
beforeAll(async () => {
  server = await startFakeModelServer();
});
afterAll(async () => {
  await server.close();
  await temps.cleanup();
});

test('a worker task whose model loops ends with status stalled, naming the pattern, and integrates nothing', async () => {
  server.setResponder(() => call('list_files', {}));
  const agents = createAgents({
    models: fakeModels(server),
    transcripts: new TranscriptStore({ stateDir: await temps.make('longhaul-state-') }),
    modelProfiles: { [OPENAI_MODEL]: { contextWindow: 128_000, maxOutputTokens: 16_384, reasoning: true } },
  });
  const workspace = new RecordingWorkspace();
  const result = TaskResult.parse(
    await new MockActivityEnvironment().run(createRunWorkerTask(agents, workspace), {
      scope: {
        projectWorkflowId: 'proj',
        cycle: 1,
        baseCommit: 'c0',
        settings: {
          projectId: 'proj',
          goal: 'g',
          repo: '/unused',
          targetBranch: 'longhaul/proj',
          models: { planner: OPENAI_MODEL, worker: OPENAI_MODEL, judge: OPENAI_MODEL },
          limits: { ...defaultLimits, maxTaskCostUsd: 50 },
          reasoning: { worker: 'low' as const },
          searchAttributes: false,
          heartbeatTimeoutSeconds: 10,
        },
      },
      taskId: 'p0.r1.1',
      plannerId: 'proj/p0',
      task: { title: 'Loop', instructions: 'Do it.' },
      steering: [],
    }),
  );
  // The project's settings reach the agent through the scope: its reasoning effort is on the wire.
  expect((server.requests[0]?.body as Record<string, unknown>)['reasoning_effort']).toBe('low');
  expect(result.status).toBe('stalled');
  expect(result.summary).toMatch(
    /^Stopped by stalled \(the same call list_files \{\} 8 times in a row\)\. Stalled before finishing the task/,
  );
  expect(result.usage.calls).toBe(8);
  expect(workspace.integrations.size).toBe(0);
});
