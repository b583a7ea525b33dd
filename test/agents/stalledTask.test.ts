import { MockActivityEnvironment } from '@temporalio/testing';
import { createAgents } from '../../src/agents/createAgents';
import { createRunWorkerTask } from '../../src/activities/runWorkerTask';
import type { TaskResult } from '../../src/schemas/task';
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
  const agents = createAgents({ models: fakeModels(server), transcripts: new TranscriptStore({ stateDir: await temps.make('longhaul-state-') }) });
  const workspace = new RecordingWorkspace();
  const result: TaskResult = await new MockActivityEnvironment().run(createRunWorkerTask(agents, workspace), {
    projectId: 'proj',
    cycle: 1,
    taskId: 'p0.r1.1',
    plannerId: 'proj/p0',
    goal: 'g',
    task: { title: 'Loop', instructions: 'Do it.' },
    repo: '/unused',
    targetBranch: 'longhaul/proj',
    model: OPENAI_MODEL,
    steering: [],
  });
  expect(result.status).toBe('stalled');
  expect(result.summary).toMatch(/^Stopped by stalled \(the same call list_files \{\} 8 times in a row\)\. Stalled before finishing the task/);
  expect(result.usage.calls).toBe(8);
  expect(workspace.integrations.size).toBe(0);
});
