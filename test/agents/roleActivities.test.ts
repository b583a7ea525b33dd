import { MockActivityEnvironment } from '@temporalio/testing';
import { promises as fs, readFileSync } from 'fs';
import * as path from 'path';
import { createJudgeCycle } from '../../src/activities/judgeCycle';
import { createPlanArea } from '../../src/activities/planArea';
import { createAgents } from '../../src/agents/createAgents';
import { GitWorkspace } from '../../src/git/gitWorkspace';
import type { JudgeInput } from '../../src/schemas/judge';
import type { CycleScope } from '../../src/schemas/cycleScope';
import { defaultLimits } from '../../src/schemas/limits';
import type { PlanStepInput } from '../../src/schemas/plan';
import { TranscriptStore } from '../../src/state/transcriptStore';
import { startFakeModelServer, type FakeModelServer, type FakeRequest } from '../support/fakeModelServer';
import { git } from '../support/gitFixtures';
import { call, fakeModels, lastToolResults, OPENAI_MODEL, scripted } from './agentHarness';
import { TempDirs, writeTree } from './tempDirs';

/**
 * The planning and judging activities over a real git workspace and the real model clients: what a
 * planning step and a judge are shown of a cycle in which work has landed.
 */
const temps = new TempDirs();
let server: FakeModelServer;

beforeAll(async () => {
  server = await startFakeModelServer();
});
afterAll(async () => {
  await server.close();
  await temps.cleanup();
});

const kickoffOf = (req: FakeRequest | undefined): string => req?.messages[0]?.text ?? '';
const targetBranch = 'longhaul/proj';

interface Project {
  repo: string;
  workspace: GitWorkspace;
  store: TranscriptStore;
  base: string;
  /** Commits `files` on the target branch in a clone and pushes it, as integration would. */
  land(files: Record<string, string>, message: string): Promise<string>;
}

async function project(files: Record<string, string>): Promise<Project> {
  const root = await temps.make('longhaul-project-');
  const seed = path.join(root, 'seed');
  git(root, 'init', '-q', '-b', 'main', seed);
  await writeTree(seed, files);
  git(seed, 'add', '-A');
  git(seed, 'commit', '-q', '-m', 'initial');
  const repo = path.join(root, 'repo.git');
  git(root, 'clone', '-q', '--bare', seed, repo);
  const workspace = new GitWorkspace({ workdir: path.join(root, 'work') });
  const { baseCommit } = await workspace.prepareCycle({ projectId: 'proj', repo, targetBranch, cycle: 1 });
  const clone = path.join(root, 'clone');
  git(root, 'clone', '-q', '--branch', targetBranch, repo, clone);
  return {
    repo,
    workspace,
    store: new TranscriptStore({ stateDir: path.join(root, 'state') }),
    base: baseCommit,
    async land(changes, message) {
      await writeTree(clone, changes);
      git(clone, 'add', '-A');
      git(clone, 'commit', '-q', '-m', message);
      git(clone, 'push', '-q', 'origin', targetBranch);
      return git(clone, 'rev-parse', 'HEAD');
    },
  };
}

/** The cycle every step and judge here belongs to: the project's first, begun at `p.base`. */
function scopeOf(p: Project): CycleScope {
  return {
    projectWorkflowId: 'proj',
    cycle: 1,
    baseCommit: p.base,
    settings: {
      projectId: 'proj',
      goal: 'Greet users by name from the command line.',
      repo: p.repo,
      targetBranch,
      models: { planner: OPENAI_MODEL, worker: OPENAI_MODEL, judge: OPENAI_MODEL },
      limits: defaultLimits,
      searchAttributes: false,
      heartbeatTimeoutSeconds: 60,
    },
  };
}

/** Runs an activity function in a mock activity context (heartbeats, cancellation), keeping its types. */
function runActivity<A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  return new MockActivityEnvironment({ heartbeatTimeoutMs: 30_000 }).run(fn, ...args) as Promise<R>;
}

describe('a planning step', () => {
  function planStep(p: Project, overrides: Partial<PlanStepInput> = {}): PlanStepInput {
    return {
      scope: scopeOf(p),
      plannerId: 'proj/planner',
      area: 'whole repository',
      areaGoal: 'Greet users by name from the command line.',
      depth: 0,
      round: 2,
      steering: [],
      results: [],
      subplannerOutcomes: [],
      ...overrides,
    };
  }

  const submit = call('submit_plan', { summary: 'Next: the CLI flag.', tasks: [], subplanners: [], done: false });

  test('reads the target at its current head and is told what landed and what failed', async () => {
    const p = await project({ 'src/greet.js': 'exports.greet = () => "hi";\n' });
    const landed = await p.land(
      { 'src/cli.js': 'console.log("cli");\n', 'test/cli.test.js': "it('runs', () => {});\n" },
      'Add the CLI\n\nLonghaul-Task: c1.p0.r1.1',
    );
    const head = await p.land({ 'NOTES.md': 'by hand\n' }, 'A commit made by hand');
    server.requests.length = 0;
    server.setResponder(scripted([call('read_file', { path: 'src/cli.js' }), submit]));
    const planArea = createPlanArea(createAgents({ models: fakeModels(server), transcripts: p.store }), p.workspace);
    const result = await runActivity(
      planArea,
      planStep(p, {
        results: [{ taskId: 'c1.p0.r1.1', title: 'Add the CLI', status: 'done', summary: 'CLI prints a greeting.', commit: landed }],
        failureRecord: [
          {
            taskId: 'c1.p0.r0.2',
            title: 'Parse argv',
            status: 'failed',
            reason: 'Tests for argv parsing fail.\nFAIL test/argv.test.js\n  expected "Ada", got undefined',
          },
          { taskId: 'c1.p0.r1.3', title: 'Colour output', status: 'conflict', reason: 'Collided with src/cli.js.' },
        ],
      }),
    );

    expect(result.summary).toBe('Next: the CLI flag.');
    const kickoff = kickoffOf(server.requests[0]);
    expect(kickoff).toContain(
      `checked out read-only at the head of the target branch, ${head}, as it stands now: the cycle began at ${p.base}`,
    );
    expect(kickoff).toContain(`- ${landed.slice(0, 12)} Add the CLI (task c1.p0.r1.1): src/cli.js, test/cli.test.js`);
    expect(kickoff).not.toContain('A commit made by hand');
    expect(kickoff).toContain(`- [done] Add the CLI (c1.p0.r1.1, commit ${landed.slice(0, 12)}): CLI prints a greeting.`);
    expect(kickoff).toContain('- [failed] Parse argv (c1.p0.r0.2): Tests for argv parsing fail.');
    expect(kickoff).toContain('  expected "Ada", got undefined');
    expect(kickoff).toContain('- [conflict] Colour output (c1.p0.r1.3): Collided with src/cli.js.');
    // The checkout is the head: a file that landed during the cycle is there to read.
    expect(lastToolResults(server.requests[1])[0]).toMatchObject({
      isError: false,
      content: expect.stringContaining('console.log("cli")'),
    });
  });

  test('with nothing landed it says so, and a later step sees what landed after the earlier one', async () => {
    const p = await project({ 'src/greet.js': 'exports.greet = () => "hi";\n' });
    const planArea = createPlanArea(createAgents({ models: fakeModels(server), transcripts: p.store }), p.workspace);
    server.requests.length = 0;
    server.setResponder(scripted([submit]));
    await runActivity(planArea, planStep(p));
    expect(kickoffOf(server.requests[0])).toContain(
      `the head of the target branch, ${p.base}: nothing has landed since the cycle began at that commit`,
    );
    expect(kickoffOf(server.requests[0])).toContain('(none: no task commit has landed since the cycle began)');
    expect(kickoffOf(server.requests[0])).toContain('(none: no task of your area has failed this cycle)');

    const landed = await p.land({ 'src/cli.js': 'console.log("cli");\n' }, 'Add the CLI\n\nLonghaul-Task: c1.p0.r1.1');
    server.requests.length = 0;
    server.setResponder(scripted([submit]));
    await runActivity(planArea, planStep(p, { round: 3 }));
    expect(kickoffOf(server.requests[0])).toContain(`the head of the target branch, ${landed}, as it stands now`);
    expect(kickoffOf(server.requests[0])).toContain(`- ${landed.slice(0, 12)} Add the CLI (task c1.p0.r1.1): src/cli.js`);
  });
});

describe('judging a cycle', () => {
  test('counts the tests at the base in a view of it, flags fewer at the head, and reports the evidence', async () => {
    const p = await project({
      'src/greet.js': 'exports.greet = () => "hi";\n',
      'test/greet.test.js': "it('greets', () => {});\nit('greets by name', () => {});\n",
    });
    const head = await p.land({ 'test/greet.test.js': "it('greets', () => {});\n" }, 'Trim the tests\n\nLonghaul-Task: c1.p0.r1.1');
    server.requests.length = 0;
    server.setResponder(
      scripted([call('submit_verdict', { verdict: 'continue', reasons: 'A test was removed.', next_focus: 'Restore it.' })]),
    );
    const judgeCycle = createJudgeCycle(createAgents({ models: fakeModels(server), transcripts: p.store }), p.workspace);
    const input: JudgeInput = {
      scope: {
        ...scopeOf(p),
        settings: {
          ...scopeOf(p).settings,
          goal: 'Greet users by name.',
          testCommand: 'echo "$(cat test/*.test.js | grep -c \'^it(\') passing"',
        },
      },
      steering: [],
      plannerSummary: 'Tests trimmed.',
      tasksDone: 1,
      tasksFailed: 0,
      tasks: [{ taskId: 'c1.p0.r1.1', title: 'Trim the tests', status: 'done', summary: 'Removed a redundant test.', commit: head }],
      earlierVerdicts: [{ cycle: 1, verdict: 'continue', reasons: 'Greeting by name is missing.' }],
    };
    const result = await runActivity(judgeCycle, input);

    const kickoff = kickoffOf(server.requests[0]);
    expect(kickoff).toContain('[fewer_tests] the test runner reports 1 tests at the head, 2 at the base');
    expect(kickoff).toContain("-it('greets by name', () => {});");
    expect(kickoff).toContain('- Cycle 1: continue — Greeting by name is missing.');
    expect(kickoff).toContain('claimed: Removed a redundant test.');
    expect(result).toMatchObject({
      verdict: 'continue',
      headCommit: head,
      evidence: {
        testsPassed: true,
        testCounts: { commit: head, passed: 1, failed: 0, skipped: 0, total: 1 },
        tamperFlags: ['fewer_tests: the test runner reports 1 tests at the head, 2 at the base'],
        doneOverruled: false,
      },
    });
    // The evidence stays beside the transcript, for a resumed review.
    const record = JSON.parse(await fs.readFile(p.store.pathOf('transcripts/proj/cycle-1/judge.evidence.json'), 'utf8'));
    expect(record).toMatchObject({ testsPassed: true });
  });
  test("runs the judge's own commands in the view of the head, which they cannot change", async () => {
    const p = await project({
      'src/greet.js': 'exports.greet = () => "hi";\n',
      'test/run.js': "console.log(require('../src/greet').greet('Ada') === 'hi Ada' ? 'GREET PASSES' : 'GREET FAILS');\n",
    });
    const greet = 'exports.greet = (name) => `hi ${name}`;\n';
    const head = await p.land({ 'src/greet.js': greet }, 'Greet by name\n\nLonghaul-Task: c1.p0.r1.1');
    let viewDir = '';
    let during = { status: '', greet: '' };
    server.requests.length = 0;
    server.setResponder(
      scripted([
        call('run_command', { command: 'pwd; node test/run.js; echo "exports.greet = () => 1;" > src/greet.js; echo "write: $?"' }),
        (req) => {
          // Looked at while the review still holds the view: the command left it as it was.
          viewDir = lastToolResults(req)[0]?.content.split('\n')[1] ?? '';
          during = {
            status: git(viewDir, 'status', '--porcelain', '--untracked-files=all'),
            greet: readFileSync(path.join(viewDir, 'src', 'greet.js'), 'utf8'),
          };
          return call('submit_verdict', { verdict: 'done', reasons: 'node test/run.js prints GREET PASSES.' });
        },
      ]),
    );
    const judgeCycle = createJudgeCycle(createAgents({ models: fakeModels(server), transcripts: p.store }), p.workspace);
    const scope = scopeOf(p);
    const result = await runActivity(judgeCycle, {
      scope: { ...scope, settings: { ...scope.settings, testCommand: 'node test/run.js' } },
      steering: [],
      plannerSummary: 'Greeting by name is in.',
      tasksDone: 1,
      tasksFailed: 0,
    });

    expect(server.requests[0]?.toolNames).toContain('run_command');
    const output = lastToolResults(server.requests[1])[0]?.content ?? '';
    expect(output).toMatch(/^exit code 0/);
    expect(output).toContain('GREET PASSES');
    expect(output).toContain('Read-only file system');
    expect(output).toMatch(/write: [1-9]/);
    expect(result).toMatchObject({ verdict: 'done', headCommit: head });
    expect(viewDir).toContain(path.join('work', 'repos'));
    expect(during).toEqual({ status: '', greet });
    expect(git(viewDir, 'rev-parse', 'HEAD')).toBe(head);
  });
});
