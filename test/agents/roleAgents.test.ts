import { execFileSync } from 'child_process';
import { promises as fs } from 'fs';
import * as path from 'path';
import type { JudgeAgentRequest, PlannerAgentRequest } from '../../src/agents/agentContracts';
import { createAgents } from '../../src/agents/createAgents';
import { ModelJudgeAgent } from '../../src/agents/judgeAgent';
import { ModelPlannerAgent } from '../../src/agents/plannerAgent';
import { ModelWorkerAgent } from '../../src/agents/workerAgent';
import { defaultSandboxSettings } from '../../src/schemas/sandbox';
import { TranscriptStore } from '../../src/state/transcriptStore';
import { startFakeModelServer, type FakeModelServer, type FakeRequest } from '../support/fakeModelServer';
import { ANTHROPIC_MODEL, call, fakeModels, lastToolResults, OPENAI_MODEL, scripted, testRun } from './agentHarness';
import { TempDirs, writeTree } from './tempDirs';

const temps = new TempDirs();
let server: FakeModelServer;
let store: TranscriptStore;

beforeAll(async () => {
  server = await startFakeModelServer();
});
afterAll(async () => {
  await server.close();
  await temps.cleanup();
});
beforeEach(async () => {
  server.requests.length = 0;
  store = new TranscriptStore({ stateDir: await temps.make('longhaul-state-') });
});

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
}

const kickoffOf = (req: FakeRequest | undefined): string => req?.messages[0]?.text ?? '';

describe('the planner agent', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await temps.make('longhaul-view-');
    await writeTree(dir, { 'src/greet.js': 'exports.greet = () => "hi";\n', 'src/cli.js': 'console.log(1);\n', 'test/greet.test.js': '' });
  });

  function planRequest(overrides: Partial<PlannerAgentRequest> = {}): PlannerAgentRequest {
    return {
      projectId: 'proj',
      cycle: 2,
      plannerId: 'proj/p0',
      goal: 'Greet users by name from the command line.',
      area: 'whole repository',
      areaGoal: 'Greet users by name from the command line.',
      depth: 0,
      canSpawnSubplanners: true,
      round: 1,
      repo: '/unused',
      baseCommit: 'abc1234',
      model: ANTHROPIC_MODEL,
      steering: ['Prefer small modules.'],
      previousVerdict: 'continue: the CLI ignores its argument',
      results: [{ taskId: 'p0.r1.1', title: 'Parse argv', status: 'failed', summary: 'Tests for argv parsing fail.' }],
      subplannerOutcomes: [],
      failureRecord: [],
      dir,
      headCommit: 'abc1234',
      landed: { commits: [], total: 0 },
      ...overrides,
    };
  }

  const task = (title: string, files: string[]) => ({ title, instructions: `Do ${title}. Done when the tests pass.`, files });

  test('explores read-only and submits a plan, after fixing one the rules refuse', async () => {
    const plan = {
      summary: 'Split greeting and CLI work.',
      tasks: [task('Greet by name', ['src/greet.js', 'test/greet.test.js']), task('CLI argument', ['src/cli.js'])],
      subplanners: [{ area: 'docs', goal: 'Document the CLI.' }],
      done: false,
    };
    server.setResponder(
      scripted([
        call('search', { pattern: 'greet' }),
        call('submit_plan', { ...plan, tasks: [...plan.tasks, task('Also greet', ['./src/greet.js'])] }),
        call('submit_plan', plan),
      ]),
    );
    const run = testRun('transcripts/proj/cycle-2/p0-round-1.jsonl');
    const landed = {
      commits: [{ sha: 'f00dfeed'.repeat(5), subject: 'Greet by name', taskIds: ['p0.r0.1'], files: ['src/greet.js'], moreFiles: 2 }],
      total: 3,
    };
    const result = await new ModelPlannerAgent({ models: fakeModels(server), transcripts: store }).plan(planRequest({ landed }), run.ctx);

    expect(result.result).toEqual(plan);
    expect(result.promptVersion).toMatch(/^planner-\d{4}-\d{2}-\d{2}\.\d+$/);
    expect(result.usage.calls).toBe(3);
    const first = server.requests[0];
    expect(first?.api).toBe('anthropic');
    expect(first?.toolNames).toEqual(['list_files', 'read_file', 'search', 'submit_plan']);
    expect(first?.system).toContain('hand it to a sub-planner');
    const kickoff = kickoffOf(first);
    expect(kickoff).toContain('# Planning step 2 — area: whole repository');
    expect(kickoff).toContain('- [failed] Parse argv (p0.r1.1): Tests for argv parsing fail.');
    expect(kickoff).toContain('continue: the CLI ignores its argument');
    expect(kickoff).toContain('(2 earlier commit(s) not shown)\n- f00dfeedf00d Greet by name (task p0.r0.1): src/greet.js and 2 more');
    expect(kickoff).toContain('- Prefer small modules.');
    expect(lastToolResults(server.requests[1])[0]?.content).toMatch(/src\/greet.js:1: exports.greet/);
    expect(lastToolResults(server.requests[2])[0]).toMatchObject({ isError: true });
    expect(lastToolResults(server.requests[2])[0]?.content).toMatch(
      /"Also greet" claims `src\/greet.js`, which overlaps `src\/greet.js` of "Greet by name"/,
    );
  });

  test("is shown the tree's claims and told which task holds one it overlaps", async () => {
    const claims = [{ taskId: 'c2.0.0.r1.1', plannerId: 'proj/planner/cli', area: 'cli', state: 'running' as const, claims: ['src/cli/'] }];
    const overlapping = task('CLI help', ['src/cli/help.js']);
    server.setResponder(
      scripted([
        call('submit_plan', { summary: 's', tasks: [overlapping], subplanners: [], done: false }),
        call('submit_plan', { summary: 's', tasks: [{ ...overlapping, waitForClaims: true }], subplanners: [], done: false }),
      ]),
    );
    const result = await new ModelPlannerAgent({ models: fakeModels(server), transcripts: store }).plan(
      planRequest({
        claims,
        pending: [{ taskId: 'p0.r1.2', title: 'Docs', state: 'queued', claims: ['docs/'] }],
        results: [
          {
            taskId: 'p0.r1.1',
            title: 'Parse argv',
            status: 'done',
            summary: 'Done.',
            outsideClaims: { files: ['package.json'], total: 3 },
          },
        ],
      }),
      testRun('transcripts/proj/cycle-2/p0-round-1.jsonl').ctx,
    );
    const kickoff = kickoffOf(server.requests[0]);
    expect(kickoff).toContain('- [running] c2.0.0.r1.1 (area "cli"), claims `src/cli/`');
    expect(kickoff).toContain('- [queued] Docs (p0.r1.2, claims `docs/`)');
    expect(kickoff).toContain(
      '- [done] Parse argv (p0.r1.1): Done. [its change left the paths its task declared: `package.json` and 2 more]',
    );
    expect(lastToolResults(server.requests[1])[0]).toMatchObject({ isError: true });
    expect(lastToolResults(server.requests[1])[0]?.content).toMatch(/held by task c2.0.0.r1.1 \(running, area "cli"\)/);
    expect(result.result.tasks).toEqual([{ ...overlapping, waitForClaims: true }]);
  });

  test('at the deepest level it may not spawn sub-planners', async () => {
    server.setResponder(
      scripted([
        call('submit_plan', { summary: 's', tasks: [], subplanners: [{ area: 'a', goal: 'g' }], done: false }),
        call('submit_plan', { summary: 'Nothing left.', tasks: [], subplanners: [], done: true }),
      ]),
    );
    const result = await new ModelPlannerAgent({ models: fakeModels(server), transcripts: store }).plan(
      planRequest({ canSpawnSubplanners: false, round: 0, results: [] }),
      testRun('transcripts/proj/cycle-2/p0-round-0.jsonl').ctx,
    );
    expect(server.requests[0]?.system).toContain('cannot spawn sub-planners');
    expect(kickoffOf(server.requests[0])).toContain('(none yet: this is your first step)');
    expect(lastToolResults(server.requests[1])[0]?.content).toMatch(/cannot spawn sub-planners/);
    expect(result.result).toEqual({ summary: 'Nothing left.', tasks: [], subplanners: [], done: true });
  });

  test('a planner that never submits hands its area back unfinished', async () => {
    server.setResponder(() => call('list_files', {}));
    const result = await new ModelPlannerAgent({ models: fakeModels(server), transcripts: store, limits: { maxTurns: 2 } }).plan(
      planRequest(),
      testRun('transcripts/proj/cycle-2/p0-round-1.jsonl').ctx,
    );
    expect(result.stoppedBy).toBe('turn_limit');
    expect(result.result).toEqual({ summary: expect.stringMatching(/turn limit/), tasks: [], subplanners: [], done: false });
  });

  test("sees the root AGENTS.md and, when its area is a folder, that folder's, and a stalled result for re-planning", async () => {
    await writeTree(dir, { 'AGENTS.md': 'Run `npm test` before anything else.\n', 'src/AGENTS.md': 'No default exports in src.\n' });
    server.setResponder(() => call('submit_plan', { summary: 'nothing yet', tasks: [], subplanners: [], done: false }));
    const stalled = {
      taskId: 'p0.r1.2',
      title: 'Fix argv',
      status: 'stalled' as const,
      summary: 'Stalled: the same call read_file 8 times in a row.',
    };
    await new ModelPlannerAgent({ models: fakeModels(server), transcripts: store }).plan(
      planRequest({ area: 'src', results: [stalled] }),
      testRun('transcripts/proj/cycle-2/p0-round-1.jsonl').ctx,
    );
    const kickoff = server.requests[0]?.messages[0]?.text ?? '';
    expect(kickoff).toContain('Run `npm test` before anything else.');
    expect(kickoff).toContain('### src/AGENTS.md\n\nNo default exports in src.');
    expect(kickoff).toContain('[stalled] Fix argv (p0.r1.2): Stalled: the same call read_file 8 times in a row.');
    expect(server.requests[0]?.system).toContain('**stalled**');
  });
});

describe('the worker agent resolving a conflict', () => {
  test('edits the conflicted files and finishes done when they are resolved', async () => {
    const dir = await temps.make('longhaul-conflict-');
    await writeTree(dir, {
      'src/greet.js': [
        '<<<<<<< HEAD',
        'exports.greet = (name) => `hello ${name}`;',
        '=======',
        'exports.greet = (name) => `hi ${name}!`;',
        '>>>>>>> task',
        '',
      ].join('\n'),
    });
    const resolved = 'exports.greet = (name) => `hello ${name}!`;\n';
    server.setResponder(
      scripted([
        call('read_file', { path: 'src/greet.js' }),
        call('write_file', { path: 'src/greet.js', content: resolved }),
        call('search', { pattern: '^(<<<<<<<|=======|>>>>>>>)' }),
        call('finish_task', { summary: 'Kept the greeting and the exclamation mark.', outcome: 'done' }),
      ]),
    );
    const result = await new ModelWorkerAgent({ models: fakeModels(server), transcripts: store }).resolveConflict(
      {
        projectId: 'proj',
        cycle: 1,
        taskId: 'p0.r1.2',
        goal: 'Greet users.',
        task: { title: 'Excited greeting', instructions: 'End the greeting with "!".' },
        model: OPENAI_MODEL,
        dir,
        steering: [],
        conflictedFiles: ['src/greet.js'],
        details: 'CONFLICT (content): Merge conflict in src/greet.js',
      },
      testRun('transcripts/proj/cycle-1/p0.r1.2.jsonl').ctx,
    );
    expect(result.result).toEqual({ outcome: 'done', summary: 'Kept the greeting and the exclamation mark.' });
    expect(result.promptVersion).toMatch(/^conflict-/);
    expect(await fs.readFile(path.join(dir, 'src/greet.js'), 'utf8')).toBe(resolved);
    expect(server.requests[0]?.system).toContain('conflict markers');
    expect(kickoffOf(server.requests[0])).toContain('- `src/greet.js`');
    expect(kickoffOf(server.requests[0])).toContain('CONFLICT (content): Merge conflict in src/greet.js');
    expect(kickoffOf(server.requests[0])).toContain('No test command is configured');
    expect(lastToolResults(server.requests[3])[0]?.content).toMatch(/^no matches/);
    const { records } = await store.read('transcripts/proj/cycle-1/p0.r1.2.jsonl');
    expect(records[0]).toMatchObject({ kind: 'start', role: 'worker-conflict' });
  });
});

describe('the worker agent fixing what the merge queue bounced', () => {
  test('sees the failing output, fixes the code and finishes done', async () => {
    const dir = await temps.make('longhaul-tests-');
    await writeTree(dir, { 'src/sum.js': 'exports.sum = (a, b) => a - b;\n' });
    const fixed = 'exports.sum = (a, b) => a + b;\n';
    server.setResponder(
      scripted([
        call('read_file', { path: 'src/sum.js' }),
        call('write_file', { path: 'src/sum.js', content: fixed }),
        call('finish_task', { summary: 'sum subtracted; it adds now.', outcome: 'done' }),
      ]),
    );
    const result = await new ModelWorkerAgent({ models: fakeModels(server), transcripts: store }).fixTests(
      {
        projectId: 'proj',
        cycle: 1,
        taskId: 'p0.r1.3',
        goal: 'Add numbers.',
        task: { title: 'Sum helper', instructions: 'Add a sum helper.' },
        model: OPENAI_MODEL,
        dir,
        testCommand: 'npm test',
        steering: [],
        testOutput: 'FAIL test/sum.test.js\n  expected sum(2, 2) to be 4, got 0',
      },
      testRun('transcripts/proj/cycle-1/p0.r1.3.jsonl').ctx,
    );
    expect(result.result).toEqual({ outcome: 'done', summary: 'sum subtracted; it adds now.' });
    expect(result.promptVersion).toMatch(/^tests-/);
    expect(await fs.readFile(path.join(dir, 'src/sum.js'), 'utf8')).toBe(fixed);
    expect(server.requests[0]?.system).toContain('merge queue ran the project');
    expect(kickoffOf(server.requests[0])).toContain('expected sum(2, 2) to be 4, got 0');
    expect(kickoffOf(server.requests[0])).toContain('npm test');
    const { records } = await store.read('transcripts/proj/cycle-1/p0.r1.3.jsonl');
    expect(records[0]).toMatchObject({ kind: 'start', role: 'worker-tests' });
  });
});

describe('the judge agent', () => {
  let dir: string;
  let base: string;
  let head: string;
  let counter: string;

  beforeEach(async () => {
    dir = await temps.make('longhaul-judge-');
    // The test command runs sandboxed: the checkout is the one place it can leave a trace.
    counter = path.join(dir, '.test-runs');
    git(dir, 'init', '-q');
    git(dir, 'config', 'user.email', 'judge@example.com');
    git(dir, 'config', 'user.name', 'Judge Test');
    await writeTree(dir, { 'src/greet.js': 'exports.greet = () => "hi";\n' });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'base');
    base = git(dir, 'rev-parse', 'HEAD');
    await writeTree(dir, {
      'src/greet.js': 'exports.greet = (name) => `hi ${name}`;\n',
      'src/cli.js': 'console.log(require("./greet").greet(process.argv[2]));\n',
    });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'Greet by name');
    head = git(dir, 'rev-parse', 'HEAD');
  });

  function judgeRequest(overrides: Partial<JudgeAgentRequest> = {}): JudgeAgentRequest {
    return {
      projectId: 'proj',
      cycle: 3,
      goal: 'Greet users by name from the command line, with tests.',
      model: OPENAI_MODEL,
      dir,
      baseCommit: base,
      headCommit: head,
      testCommand: `echo run >> '${counter}'; echo "3 passing"; echo "1 failing: cli greets by name" >&2; exit 1`,
      steering: [],
      plannerReport: { summary: 'Greeting and CLI are in.', tasksDone: 1, tasksFailed: 0 },
      tasks: [
        {
          taskId: 'c3.p0.r1.1',
          title: 'CLI',
          status: 'done',
          summary: 'Implemented the CLI with full test coverage.',
          commit: head,
          outsideClaims: { files: ['README.md'], total: 1 },
        },
      ],
      earlierVerdicts: [],
      ...overrides,
    };
  }

  test('runs the test command and computes the diff stat before reviewing, and treats summaries as claims', async () => {
    server.setResponder(
      scripted([
        call('read_file', { path: 'src/cli.js' }),
        call('submit_verdict', { verdict: 'continue', reasons: 'The test command fails.' }),
        call('submit_verdict', {
          verdict: 'continue',
          reasons: 'The test command fails: cli greets by name.',
          next_focus: 'Fix src/cli.js.',
        }),
      ]),
    );
    const run = testRun('transcripts/proj/cycle-3/judge.jsonl');
    const result = await new ModelJudgeAgent({ models: fakeModels(server), transcripts: store }).judge(judgeRequest(), run.ctx);

    expect(result.result).toEqual({
      verdict: 'continue',
      reasons: 'The test command fails: cli greets by name.',
      next_focus: 'Fix src/cli.js.',
    });
    expect(result.promptVersion).toMatch(/^judge-\d{4}-\d{2}-\d{2}\.\d+$/);
    expect((await fs.readFile(counter, 'utf8')).trim().split('\n')).toHaveLength(1);
    const first = server.requests[0];
    expect(first?.toolNames).toEqual(['list_files', 'read_file', 'search', 'run_command', 'submit_verdict']);
    expect(first?.system).toContain('unverified claims');
    const kickoff = kickoffOf(first);
    expect(kickoff).toMatch(/— FAILED, exit code 1 \(/);
    expect(kickoff).toContain('3 passing');
    expect(kickoff).toContain('1 failing: cli greets by name');
    expect(kickoff).toMatch(/src\/cli\.js\s+\|\s+1 \+/);
    expect(kickoff).toMatch(/2 files changed/);
    expect(kickoff).toContain('[its change left the paths its task declared: `README.md`]');
    expect(kickoff).toContain(`${head.slice(0, 7)}`);
    expect(kickoff).toContain('Greet by name');
    expect(kickoff).toContain('unverified claims, not evidence');
    expect(kickoff).toContain(
      `[done] CLI (c3.p0.r1.1, commit ${head.slice(0, 12)}) — claimed: Implemented the CLI with full test coverage.`,
    );
    expect(kickoff).toContain('1 tasks reported done, 0 failed. Greeting and CLI are in.');
    expect(lastToolResults(server.requests[2])[0]?.content).toMatch(/next_focus/);
  });

  test('checks things with commands of its own, which cannot change the checkout, and has none when commands run unconfined', async () => {
    server.setResponder(
      scripted([
        call('run_command', {
          command: 'node src/cli.js Ada; echo broken > src/cli.js; echo "write: $?"; git commit -qam x; echo "commit: $?"',
        }),
        call('submit_verdict', { verdict: 'done', reasons: 'node src/cli.js Ada prints hi Ada.' }),
      ]),
    );
    const agent = new ModelJudgeAgent({ models: fakeModels(server), transcripts: store });
    const result = await agent.judge(judgeRequest({ testCommand: 'true' }), testRun('transcripts/proj/cycle-3/judge.jsonl').ctx);
    const output = lastToolResults(server.requests[1])[0]?.content ?? '';
    expect(output).toContain('hi Ada');
    expect(output).toMatch(/write: [1-9]/);
    expect(output).toMatch(/commit: [1-9]/);
    expect(result.result.verdict).toBe('done');
    expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(head);

    server.requests.length = 0;
    server.setResponder(scripted([call('submit_verdict', { verdict: 'continue', reasons: 'Unchecked.', next_focus: 'Check the CLI.' })]));
    await agent.judge(
      judgeRequest({ testCommand: 'true', sandbox: { ...defaultSandboxSettings, enabled: false } }),
      testRun('transcripts/proj/cycle-4/judge.jsonl').ctx,
    );
    expect(server.requests[0]?.toolNames).toEqual(['list_files', 'read_file', 'search', 'submit_verdict']);
  });

  test('does not rerun the tests when it resumes, and says when there is no test command', async () => {
    server.setResponder(scripted([call('list_files', {}), { fault: 'server_error' }]));
    const agent = new ModelJudgeAgent({ models: fakeModels(server), transcripts: store });
    const ref = 'transcripts/proj/cycle-3/judge.jsonl';
    const first = testRun(ref);
    await expect(agent.judge(judgeRequest(), first.ctx)).rejects.toThrow();
    expect((await fs.readFile(counter, 'utf8')).trim().split('\n')).toHaveLength(1);

    server.requests.length = 0;
    server.setResponder(
      scripted([
        call('submit_verdict', { verdict: 'done', reasons: 'All parts present.' }),
        call('submit_verdict', { verdict: 'abandon', reasons: 'The CLI cannot be fixed.' }),
      ]),
    );
    const resumed = await agent.judge(judgeRequest(), testRun(ref, first.beats[first.beats.length - 1]).ctx);
    // The first attempt's failing test run still holds "done" back, without running the tests again.
    expect(lastToolResults(server.requests[1])[0]?.content).toMatch(/"done" is refused: the test command .* fails at the head commit/);
    expect(resumed.result.verdict).toBe('abandon');
    expect(resumed.evidence).toMatchObject({ testsPassed: false, doneOverruled: false });
    expect(resumed.usage.calls).toBe(3);
    expect(server.requests).toHaveLength(2);
    expect((await fs.readFile(counter, 'utf8')).trim().split('\n')).toHaveLength(1);

    server.requests.length = 0;
    server.setResponder(scripted([call('submit_verdict', { verdict: 'abandon', reasons: 'Impossible.' })]));
    const { testCommand: _none, ...withoutTests } = judgeRequest();
    await agent.judge(withoutTests, testRun('transcripts/proj/cycle-4/judge.jsonl').ctx);
    expect(kickoffOf(server.requests[0])).toContain('No test command is configured');
  });

  test('kills a test command that runs past its time limit', async () => {
    server.setResponder(scripted([call('submit_verdict', { verdict: 'continue', reasons: 'Tests hang.', next_focus: 'Find the hang.' })]));
    const agent = new ModelJudgeAgent({ models: fakeModels(server), transcripts: store, testTimeoutMs: 1_000 });
    await agent.judge(judgeRequest({ testCommand: 'sleep 30' }), testRun('transcripts/proj/cycle-3/judge.jsonl').ctx);
    expect(kickoffOf(server.requests[0])).toMatch(/timed out after 1s/);
  }, 15_000);

  test('reports evidence it cannot compute instead of failing', async () => {
    server.setResponder(
      scripted([call('submit_verdict', { verdict: 'continue', reasons: 'No history.', next_focus: 'Check the branch.' })]),
    );
    await new ModelJudgeAgent({ models: fakeModels(server), transcripts: store }).judge(
      judgeRequest({ baseCommit: '0000000000000000000000000000000000000000', testCommand: 'true' }),
      testRun('transcripts/proj/cycle-3/judge.jsonl').ctx,
    );
    expect(kickoffOf(server.requests[0])).toMatch(/could not compute the diff stat: git diff/);
    expect(kickoffOf(server.requests[0])).toMatch(/## Test tampering checks.*\n\(could not compute the test tampering checks: git diff/);
    expect(kickoffOf(server.requests[0])).not.toContain('(none found');
  });

  test('a judge that never submits asks for another cycle, saying why', async () => {
    server.setResponder(() => ({ text: 'Looks fine to me.' }));
    const result = await new ModelJudgeAgent({ models: fakeModels(server), transcripts: store, limits: { maxProseReminders: 1 } }).judge(
      judgeRequest({ testCommand: 'true' }),
      testRun('transcripts/proj/cycle-3/judge.jsonl').ctx,
    );
    expect(result.result.verdict).toBe('continue');
    expect(result.result.reasons).toMatch(/No verdict was reached.*without calling a tool/);
    expect(result.result.next_focus).toBeTruthy();
  });
});

describe('createAgents', () => {
  test('wires the three roles with their own limits', async () => {
    const dir = await temps.make('longhaul-view-');
    const agents = createAgents({ models: fakeModels(server), transcripts: store, limits: { planner: { maxTurns: 1 } } });
    server.setResponder(() => call('list_files', {}));
    const planned = await agents.planner.plan(
      {
        projectId: 'proj',
        cycle: 1,
        plannerId: 'proj/p0',
        goal: 'g',
        area: 'all',
        areaGoal: 'g',
        depth: 0,
        canSpawnSubplanners: true,
        round: 0,
        repo: '/unused',
        baseCommit: 'abc',
        model: OPENAI_MODEL,
        steering: [],
        results: [],
        subplannerOutcomes: [],
        failureRecord: [],
        dir,
        headCommit: 'abc',
        landed: { commits: [], total: 0 },
      },
      testRun('transcripts/proj/cycle-1/p0-round-0.jsonl').ctx,
    );
    expect(planned.stoppedBy).toBe('turn_limit');
    expect(server.requests).toHaveLength(1);
    expect(agents.worker).toBeInstanceOf(ModelWorkerAgent);
    expect(agents.judge).toBeInstanceOf(ModelJudgeAgent);
  });
});
