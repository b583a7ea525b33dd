import { readFileSync, writeFileSync } from 'node:fs';
import { WorkflowFailedError } from '@temporalio/client';
import path from 'node:path';
import { runShell } from '../../src/agents/tools/shellRunner';
import { GitWorkspace } from '../../src/git/gitWorkspace';
import { TranscriptStore } from '../../src/state/transcriptStore';
import { projectWorkflow } from '../../src/workflows/projectWorkflow';
import { filesOnBranch, removeDir, tempDir } from '../support/gitFixtures';
import { uniqueName, withLonghaulWorkers } from '../support/longhaulTestWorkers';
import { scriptedAgents } from '../support/scriptedAgents';
import { createNodeProject, type SetupProject } from '../support/setupProjects';
import { testDeps } from '../support/testDeps';
import { unconfined } from '../support/unconfined';

async function testsPass(command: string, dir: string): Promise<boolean> {
  const result = await runShell({
    command,
    cwd: dir,
    timeoutMs: 60_000,
    maxOutputChars: 4_000,
    sandboxing: unconfined().for('commands', undefined),
  });
  return result.exitCode === 0;
}

describe('a project on a Node repository with dependencies, through the workflows', () => {
  let root: string;
  let project: SetupProject;

  beforeAll(() => {
    root = tempDir('setup-e2e');
    project = createNodeProject(root, path.join(root, 'setup-runs.log'));
  });
  afterAll(() => removeDir(root));

  it('lets every worker and the judge run the tests, lands every task through the gate, sets up once', async () => {
    const taskQueue = uniqueName('setup-e2e');
    const inner = new GitWorkspace({
      sandboxes: unconfined(),
      workdir: path.join(root, 'work'),
      transcripts: new TranscriptStore({ stateDir: path.join(root, 'state') }),
    });
    const workerTests: boolean[] = [];
    let judgeTests: boolean | undefined;
    const agents = scriptedAgents({
      plan: (req) => ({
        summary: 'two tests',
        tasks: req.round === 0 ? ['one', 'two'].map((n) => ({ title: `Test ${n}`, instructions: `add test/${n}.test.js` })) : [],
        subplanners: [],
        done: req.round > 0,
      }),
      work: async (req) => {
        workerTests.push(await testsPass(project.testCommand, req.dir));
        writeFileSync(path.join(req.dir, 'test', `${req.taskId}.test.js`), "require('assert').strictEqual(require('../sum')(1, 2), 3);\n");
        return { outcome: 'done', summary: 'added a test' };
      },
      judge: async (req) => {
        judgeTests = await testsPass(project.testCommand, req.dir);
        return { verdict: judgeTests ? 'done' : 'abandon', reasons: judgeTests ? 'tests pass' : 'tests fail' };
      },
    });
    const workspace = inner;
    const result = await withLonghaulWorkers({ taskQueue, deps: testDeps(agents, workspace) }, (client) =>
      client.workflow.execute(projectWorkflow, {
        taskQueue,
        workflowId: taskQueue,
        args: [
          {
            goal: 'more tests',
            repo: project.repo,
            testCommand: project.testCommand,
            setupCommand: project.setupCommand,
            limits: { maxParallelWorkers: 2, maxCycles: 1 },
          },
        ],
      }),
    );
    expect(workerTests).toEqual([true, true]);
    expect(result.tasksDone).toBe(2);
    expect(judgeTests).toBe(true);
    expect(result.outcome).toBe('done');
    const files = filesOnBranch(project.repo, `longhaul/${taskQueue}`);
    expect(files.filter((file) => file.startsWith('test/'))).toHaveLength(3);
    expect(files.some((file) => file.startsWith('node_modules'))).toBe(false);
    expect(project.setupRuns()).toBe(1);
  }, 180_000);

  it('ends the cycle at its preparation, once, with the output of a failing setup, before any agent runs', async () => {
    const taskQueue = uniqueName('setup-e2e-fail');
    const inner = new GitWorkspace({
      sandboxes: unconfined(),
      workdir: path.join(root, 'work-fail'),
      transcripts: new TranscriptStore({ stateDir: path.join(root, 'state') }),
    });
    const agents = scriptedAgents({
      plan: () => ({ summary: 'never', tasks: [], subplanners: [], done: true }),
      judge: () => ({ verdict: 'done', reasons: 'never' }),
    });
    const setupCommand = `echo setup >> '${path.join(root, 'failing-runs.log')}'; echo "npm ERR! 404 left-pad not found" >&2; exit 1`;
    const failure = await withLonghaulWorkers({ taskQueue, deps: testDeps(agents, inner) }, (client) =>
      client.workflow
        .execute(projectWorkflow, {
          taskQueue,
          workflowId: taskQueue,
          args: [{ goal: 'anything', repo: project.repo, testCommand: project.testCommand, setupCommand }],
        })
        .then(
          () => undefined,
          (error: unknown) => error,
        ),
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause;
    expect(cause?.message).toContain('Cycle 1 failed');
    expect(cause?.message).toContain('npm ERR! 404 left-pad not found');
    expect(agents.calls).toEqual({ plan: 0, work: 0, judge: 0, fixTests: 0 });
    // Not retried: one setup run.
    expect(readFileSync(path.join(root, 'failing-runs.log'), 'utf8').trim().split('\n')).toHaveLength(1);
  }, 120_000);
});
