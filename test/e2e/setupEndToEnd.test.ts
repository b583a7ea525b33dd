import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../src/config/longhaulConfig';
import { projectWorkflow } from '../../src/workflows/projectWorkflow';
import { createProductionDeps } from '../../src/workers/createProductionDeps';
import { startFakeModelServer, type FakeReply, type FakeRequest } from '../support/fakeModelServer';
import { filesOnBranch, git, removeDir, tempDir } from '../support/gitFixtures';
import { uniqueName, withLonghaulWorkers } from '../support/longhaulTestWorkers';
import { createNodeProject } from '../support/setupProjects';
import { unconfined } from '../support/unconfined';

const usage = { input: 500, output: 50, cached: 0 };
const reply = (name: string, args: unknown): FakeReply => ({ toolCalls: [{ name, arguments: args }], usage });
const toolResults = (req: FakeRequest): string[] => req.messages.flatMap((m) => (m.toolResults ?? []).map((r) => r.content));

/**
 * The planner gives one task; the worker first runs the tests in its worktree (they must pass before it
 * changes anything), then adds a test, then finishes; the judge reads the harness's test run.
 */
function responder(seen: { workerTestRun?: string; judgeEvidence?: string }): (req: FakeRequest) => FakeReply {
  let plans = 0;
  return (req) => {
    if (req.toolNames.includes('submit_plan')) {
      if (++plans > 1) return reply('submit_plan', { summary: 'done', tasks: [], subplanners: [], done: true });
      return reply('submit_plan', {
        summary: 'one test',
        tasks: [
          {
            title: 'Test negative sums',
            instructions: 'Add test/negative.test.js; run the tests first.',
            files: ['test/negative.test.js'],
          },
        ],
        subplanners: [],
        done: false,
      });
    }
    if (req.toolNames.includes('finish_task')) {
      const results = toolResults(req);
      if (results.length === 0) return reply('run_command', { command: 'npm test' });
      if (results.length === 1) {
        seen.workerTestRun = results[0];
        return reply('write_file', {
          path: 'test/negative.test.js',
          content: "require('assert').strictEqual(require('../sum')(-1, -2), -3);\n",
        });
      }
      return reply('finish_task', { summary: 'added test/negative.test.js', outcome: 'done' });
    }
    seen.judgeEvidence = req.messages[0]?.text ?? '';
    const passed = seen.judgeEvidence.includes('ok negative.test.js');
    return reply('submit_verdict', { verdict: passed ? 'done' : 'abandon', reasons: passed ? 'the tests pass' : 'the tests did not run' });
  };
}

test('the real worker agent runs the tests in its worktree, the task lands through the gate, the judge sees them pass', async () => {
  const root = tempDir('setup-agents');
  const project = createNodeProject(root, path.join(root, 'setup-runs.log'));
  const seen: { workerTestRun?: string; judgeEvidence?: string } = {};
  const server = await startFakeModelServer(responder(seen));
  const taskQueue = uniqueName('setup-agents');
  try {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      OPENAI_API_KEY: `fixture-key-${taskQueue}`,
      OPENAI_BASE_URL: server.openaiBaseUrl,
      LONGHAUL_PLANNER_MODEL: 'openai:gpt-5.2',
      LONGHAUL_WORKER_MODEL: 'openai:gpt-5.2',
      LONGHAUL_JUDGE_MODEL: 'openai:gpt-5.2',
      LONGHAUL_WORKDIR: path.join(root, 'work'),
      LONGHAUL_STATE_DIR: path.join(root, 'state'),
      LONGHAUL_SETUP_COMMAND: project.setupCommand,
    };
    const config = loadConfig({ cwd: root, env });
    const deps = createProductionDeps(config, env, unconfined());
    expect(deps.defaults.setupCommand).toBe(project.setupCommand);
    const result = await withLonghaulWorkers({ taskQueue, deps: { ...deps, workspace: deps.workspace } }, (client) =>
      client.workflow.execute(projectWorkflow, {
        taskQueue,
        workflowId: taskQueue,
        args: [{ goal: 'Test negative sums', repo: project.repo, testCommand: project.testCommand, limits: { maxCycles: 1 } }],
      }),
    );
    expect(seen.workerTestRun).toContain('exit code 0');
    expect(seen.workerTestRun).toContain('ok sum.test.js');
    expect(result).toMatchObject({ outcome: 'done', tasksDone: 1, tasksFailed: 0 });
    expect(seen.judgeEvidence).toContain('ok negative.test.js');
    const target = `longhaul/${taskQueue}`;
    expect(git(project.repo, 'show', `${target}:test/negative.test.js`)).toContain('-3');
    expect(filesOnBranch(project.repo, target).some((file) => file.startsWith('node_modules'))).toBe(false);
    expect(project.setupRuns()).toBe(1);
    const log = fs.readFileSync(path.join(root, 'state', 'transcripts', taskQueue, 'cycle-1', 'setup-cycle.log'), 'utf8');
    expect(log).toContain('exit code 0');
  } finally {
    await server.close();
    removeDir(root);
  }
}, 180_000);
