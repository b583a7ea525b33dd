import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities/createActivities';
import { runShell } from '../../src/agents/tools/shellRunner';
import { projectInput } from '../../src/cli/projectOptions';
import { loadConfig } from '../../src/config/longhaulConfig';
import { GitWorkspace } from '../../src/git/gitWorkspace';
import { defaultLimits } from '../../src/schemas/limits';
import type { CycleScope } from '../../src/schemas/cycleScope';
import { TranscriptStore } from '../../src/state/transcriptStore';
import { removeDir, tempDir } from '../support/gitFixtures';
import { testClient } from '../support/longhaulTestWorkers';
import { scriptedAgents } from '../support/scriptedAgents';
import { createNodeProject, type SetupProject } from '../support/setupProjects';
import { testDeps } from '../support/testDeps';
import { unconfined } from '../support/unconfined';

/** `MockActivityEnvironment.run`, keeping the activity's result type. */
function runIn<A extends unknown[], R>(env: MockActivityEnvironment, fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  return env.run(fn, ...args) as Promise<R>;
}

async function testsPass(command: string, dir: string): Promise<boolean> {
  return (
    (await runShell({ command, cwd: dir, timeoutMs: 60_000, maxOutputChars: 4_000, sandboxing: unconfined().for('commands', undefined) }))
      .exitCode === 0
  );
}

describe("setupCommand from the project or the worker's config", () => {
  it('comes from --setup-command, or from LONGHAUL_SETUP_COMMAND / the config file', () => {
    expect(projectInput({ goal: 'g', repo: 'https://example.com/r.git', setupCommand: 'npm ci' }, '/').setupCommand).toBe('npm ci');
    expect(loadConfig({ cwd: '/', env: { LONGHAUL_SETUP_COMMAND: 'pip install -e .' } }).setupCommand).toBe('pip install -e .');
    expect(loadConfig({ cwd: '/', env: {} }).setupCommand).toBeUndefined();
  });

  it("is resolved into the project settings: the project's own, else the worker's default", async () => {
    const deps = testDeps(
      scriptedAgents({
        plan: () => ({ summary: '', tasks: [], subplanners: [], done: true }),
        judge: () => ({ verdict: 'done', reasons: '' }),
      }),
      new GitWorkspace(),
    );
    const activities = createActivities({ ...deps, defaults: { ...deps.defaults, setupCommand: 'npm ci' } });
    const { client, close } = await testClient();
    const env = new MockActivityEnvironment(undefined, { client });
    const fallback = await runIn(env, activities.resolveProjectSettings, { projectId: 'p', input: { goal: 'g', repo: '/r' } });
    const own = await runIn(env, activities.resolveProjectSettings, {
      projectId: 'p',
      input: { goal: 'g', repo: '/r', setupCommand: 'make deps' },
    });
    await close();
    expect([fallback.setupCommand, own.setupCommand]).toEqual(['npm ci', 'make deps']);
  });
});

describe('the activities with a setup command', () => {
  let root: string;
  let project: SetupProject;

  beforeAll(() => {
    root = tempDir('setup-activities');
    project = createNodeProject(root, path.join(root, 'setup-runs.log'));
  });
  afterAll(() => removeDir(root));

  it('prepare the cycle, let the worker and the judge run the tests, and land the task', async () => {
    const seen: Record<string, boolean> = {};
    const agents = scriptedAgents({
      plan: () => ({ summary: '', tasks: [], subplanners: [], done: true }),
      work: async (req) => {
        seen.worker = await testsPass(project.testCommand, req.dir);
        writeFileSync(path.join(req.dir, 'test', 'extra.test.js'), "require('assert').ok(true);\n");
        return { outcome: 'done', summary: 'added a test' };
      },
      judge: async (req) => {
        seen.judge = await testsPass(project.testCommand, req.dir);
        return { verdict: 'done', reasons: 'tests pass' };
      },
    });
    const workspace = new GitWorkspace({
      sandboxes: unconfined(),
      workdir: path.join(root, 'work'),
      transcripts: new TranscriptStore({ stateDir: path.join(root, 'state') }),
    });
    const activities = createActivities(testDeps(agents, workspace));
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 10_000 });
    const common = { projectId: 'acts', repo: project.repo, targetBranch: 'longhaul/acts', cycle: 1 };
    const { setupCommand, testCommand } = project;

    const prepared = await runIn(env, activities.prepareCycle, { ...common, setupCommand });
    expect(prepared.environment).toMatchObject({ ranSetup: true, transcriptRef: 'transcripts/acts/cycle-1/setup-cycle.log' });
    // The cycle's scope carries the project's settings, setup command included, to every activity.
    const scope: CycleScope = {
      projectWorkflowId: 'acts',
      cycle: 1,
      baseCommit: prepared.baseCommit,
      settings: {
        projectId: 'acts',
        goal: 'more tests',
        repo: project.repo,
        targetBranch: 'longhaul/acts',
        testCommand,
        setupCommand,
        models: { planner: 'openai:test-planner', worker: 'openai:test-worker', judge: 'anthropic:test-judge' },
        limits: defaultLimits,
        searchAttributes: false,
        heartbeatTimeoutSeconds: 10,
      },
    };
    // With a test command a task lands through the merge queue, a workflow of its own (covered in
    // test/workflows); here the task lands directly, and the worker and the judge run the tests.
    const task = await runIn(env, activities.runWorkerTask, {
      scope: { ...scope, settings: { ...scope.settings, testCommand: undefined } },
      taskId: 't1',
      plannerId: 'p0',
      task: { title: 'Add a test', instructions: 'add test/extra.test.js' },
      steering: [],
    });
    expect(seen.worker).toBe(true);
    expect(task.status).toBe('done');
    const verdict = await runIn(env, activities.judgeCycle, { scope, steering: [], plannerSummary: '', tasksDone: 1, tasksFailed: 0 });
    expect(seen.judge).toBe(true);
    expect(verdict.verdict).toBe('done');
    expect(project.setupRuns()).toBe(1);
  }, 120_000);
});
