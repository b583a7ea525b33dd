import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, NamespaceNotFoundError } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { Runtime } from '@temporalio/worker';
import {
  connectClient,
  getProject,
  InvalidProjectInputError,
  listProjects,
  listProjectWorkflows,
  loadConfig,
  missingSearchAttributes,
  ProjectAlreadyStartedError,
  ProjectClosedError,
  ProjectNotFoundError,
  runWorkers,
  SearchAttributesMissingError,
  startProject,
} from '../../src/index';
import { startFakeModelServer } from '../support/fakeModelServer';
import { testClient, uniqueName } from '../support/longhaulTestWorkers';
import { readTestServerInfo } from '../support/testServerInfo';
import { eventually } from '../cli/cliHarness';
import { createBareRepo, filesOnBranch } from '../support/gitFixtures';
import { runInProcess } from '../cli/inProcessCli';
import { scriptedModel } from '../cli/scriptedModel';
import { quietLogger } from '../support/quietLogger';

/**
 * The programmatic API end to end: a project started with startProject() runs on the real workers
 * (runWorkers in this process, agents talking to the fake model server, the real git workspace), is
 * inspected and steered through its handle while tasks are in flight, and is found again through
 * visibility by longhaul's search attributes, each workflow with its summary.
 */
test('startProject and the project handle drive a real run, which visibility lists by its search attributes', async () => {
  let releaseWork!: () => void;
  const workHeld = new Promise<void>((resolve) => (releaseWork = resolve));
  const fake = await startFakeModelServer(scriptedModel({ beforeWork: () => workHeld }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'longhaul-client-'));
  const repo = createBareRepo(dir);
  const projectId = uniqueName('client-api');
  const config = loadConfig({
    cwd: dir,
    env: {
      TEMPORAL_ADDRESS: readTestServerInfo().address,
      LONGHAUL_TASK_QUEUE: projectId,
      LONGHAUL_STATE_DIR: path.join(dir, 'state'),
      LONGHAUL_WORKDIR: path.join(dir, 'work'),
      LONGHAUL_HEARTBEAT_TIMEOUT_SECONDS: '5',
    },
  });
  // Production agents read provider settings from the process environment.
  const savedEnv = { key: process.env.OPENAI_API_KEY, url: process.env.OPENAI_BASE_URL };
  process.env.OPENAI_API_KEY = 'test-key';
  process.env.OPENAI_BASE_URL = fake.openaiBaseUrl;
  Runtime.install({ logger: quietLogger() });
  const client = await connectClient(config);
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const workers = runWorkers({ config, address: config.temporal.address!, roles: ['workflow', 'plan', 'work', 'judge'], until: finished });
  try {
    const goal = 'Write two notes for the handbook';
    // Checked before anything reaches Temporal.
    await expect(startProject(client, { projectId, input: { goal: ' ', repo } })).rejects.toThrow(InvalidProjectInputError);
    await expect(startProject(client, { projectId: 'no spaces/please', input: { goal, repo } })).rejects.toThrow(InvalidProjectInputError);
    await expect(getProject(client, `${projectId}-missing`).status()).rejects.toThrow(ProjectNotFoundError);
    await expect(getProject(client, `${projectId}-missing`).pause()).rejects.toThrow(ProjectNotFoundError);

    const project = await startProject(client, {
      projectId,
      input: { goal, repo, limits: { maxParallelWorkers: 2 } },
      taskQueue: projectId,
    });
    await expect(startProject(client, { projectId, input: { goal, repo }, taskQueue: projectId })).rejects.toThrow(
      ProjectAlreadyStartedError,
    );

    const status = await eventually('two tasks in flight', async () => {
      const s = await project.status({ timeoutMs: 2_000 });
      return s.tasks.running === 2 ? s : undefined;
    });
    expect(status).toMatchObject({ projectId, goal, phase: 'running', cycle: 1, cycleWorkflowId: `${projectId}/cycle-1` });
    const root = status.planners[0];
    expect(root.workflowId).toBe(`${projectId}/cycle-1/planner`);
    const planner = await project.plannerStatus(root.workflowId);
    expect(planner.tasks.running).toBe(2);
    expect(planner.recentTasks.map((t) => t.state)).toEqual(['running', 'running']);
    await expect(project.plannerStatus('elsewhere/cycle-1/planner')).rejects.toThrow(InvalidProjectInputError);
    const cycle = await project.cycleStatus(1);
    expect(cycle).toMatchObject({ cycle: 1, rootPlannerId: root.workflowId });

    const limits = await project.setLimits({ maxCostUsd: 9, maxCycles: 3 });
    expect(limits).toMatchObject({ maxCostUsd: 9, maxCycles: 3, maxParallelWorkers: 2 });
    await expect(project.setLimits({ maxParallelWorkers: 0 })).rejects.toThrow(InvalidProjectInputError);
    await project.steer('Use British spelling.');
    expect((await project.status()).pendingSteering).toEqual(['Use British spelling.']);

    releaseWork();
    const result = await project.result();
    expect(result).toMatchObject({ outcome: 'done', cycles: 1, tasksDone: 2, tasksFailed: 0 });
    expect(filesOnBranch(repo, `longhaul/${projectId}`).filter((f) => f.startsWith('notes/'))).toHaveLength(2);
    await expect(project.pause()).rejects.toThrow(ProjectClosedError);
    expect((await project.describe()).status).toBe('COMPLETED');

    // Visibility: the project, its cycle and its planner, found by LonghaulProject, each with a summary.
    const listed = await eventually('the run in visibility', async () => {
      const rows = await listProjectWorkflows(client, projectId);
      return rows.length >= 3 && rows.every((r) => r.status === 'COMPLETED') ? rows : undefined;
    });
    const byRole = (role: string) => listed.filter((row) => row.role === role);
    expect(byRole('project').map((r) => r.workflowId)).toContain(projectId);
    expect(byRole('cycle')).toEqual([expect.objectContaining({ workflowId: `${projectId}/cycle-1`, cycle: 1, project: projectId })]);
    expect(byRole('planner').map((r) => r.workflowId)).toEqual([root.workflowId]);
    const summary = async (workflowId: string): Promise<string | undefined> =>
      (await client.workflow.getHandle(workflowId).describe()).staticSummary();
    expect(await summary(projectId)).toBe(goal);
    expect(await summary(`${projectId}/cycle-1`)).toContain(goal);
    expect(await summary(root.workflowId)).toMatch(/planner/i);
    const projects = await listProjects(client, { limit: 1_000 });
    expect(projects.find((p) => p.workflowId === projectId)).toMatchObject({ status: 'COMPLETED', project: projectId, role: 'project' });
  } finally {
    releaseWork();
    finish();
    await workers;
    await client.connection.close();
    await fake.close();
    process.env.OPENAI_API_KEY = savedEnv.key;
    process.env.OPENAI_BASE_URL = savedEnv.url;
    if (savedEnv.key === undefined) delete process.env.OPENAI_API_KEY;
    if (savedEnv.url === undefined) delete process.env.OPENAI_BASE_URL;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("in a namespace without longhaul's search attributes, starting with them is refused with a clear error and starting without them works", async () => {
  const { client, close } = await testClient();
  const namespace = uniqueName('plain-ns');
  try {
    await client.connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    const plain = new Client({ connection: client.connection, namespace });
    const input = { goal: 'nothing runs this', repo: '/tmp' };
    const refused = await eventually('the new namespace', async () => {
      try {
        await startProject(plain, { projectId: uniqueName('refused'), input });
        return 'started';
      } catch (err) {
        if (err instanceof NamespaceNotFoundError) return undefined; // Not visible to the frontend yet.
        return err;
      }
    });
    expect(refused).toBeInstanceOf(SearchAttributesMissingError);
    expect((refused as Error).message).toContain('temporal operator search-attribute create --name LonghaulProject --type Keyword');
    expect(await missingSearchAttributes(plain)).toEqual(['LonghaulProject', 'LonghaulRole', 'LonghaulCycle', 'LonghaulPhase']);

    const project = await startProject(plain, { projectId: uniqueName('plain'), input, searchAttributes: false });
    expect((await project.describe()).running).toBe(true);
    await plain.workflow.getHandle(project.projectId).terminate('test over');

    // The CLI finds out by itself, says so, and starts the project without them.
    const viaCli = await runInProcess(['start', '--goal', 'nothing runs this either', '--repo', '/tmp'], {
      TEMPORAL_ADDRESS: readTestServerInfo().address,
      TEMPORAL_NAMESPACE: namespace,
    });
    expect(viaCli.code).toBe(0);
    expect(viaCli.stderr).toContain(
      `namespace "${namespace}" lacks the search attributes LonghaulProject, LonghaulRole, LonghaulCycle, LonghaulPhase`,
    );
    await plain.workflow.getHandle(viaCli.stdout.trim()).terminate('test over');
  } finally {
    await close();
  }
});
