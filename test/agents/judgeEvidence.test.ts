import { promises as fs } from 'fs';
import * as path from 'path';
import type { JudgeAgentRequest } from '../../src/agents/agentContracts';
import { ModelJudgeAgent } from '../../src/agents/judgeAgent';
import { TranscriptStore } from '../../src/state/transcriptStore';
import { startFakeModelServer, type FakeModelServer, type FakeRequest } from '../support/fakeModelServer';
import { git } from '../support/gitFixtures';
import { call, fakeModels, lastToolResults, OPENAI_MODEL, scripted, testRun } from './agentHarness';
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

const kickoffOf = (req: FakeRequest | undefined): string => req?.messages[0]?.text ?? '';
/** The part of the opening message under the tamper checks heading. */
const tamperSection = (req: FakeRequest | undefined): string =>
  /## Test tampering checks[^\n]*\n([\s\S]*?)\n## /.exec(kickoffOf(req))?.[1] ?? '';

interface Repo {
  dir: string;
  base: string;
  /** Writes `files` (null deletes), commits, and returns the new head. */
  commit(files: Record<string, string | null>, message?: string): Promise<string>;
}

async function repoWith(files: Record<string, string>): Promise<Repo> {
  const dir = await temps.make('longhaul-judged-');
  git(dir, 'init', '-q', '-b', 'main');
  await writeTree(dir, files);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base');
  return {
    dir,
    base: git(dir, 'rev-parse', 'HEAD'),
    async commit(changes, message = 'change') {
      for (const [file, content] of Object.entries(changes)) {
        if (content === null) git(dir, 'rm', '-q', '--', file);
        else await writeTree(dir, { [file]: content });
      }
      git(dir, 'add', '-A');
      git(dir, 'commit', '-q', '-m', message);
      return git(dir, 'rev-parse', 'HEAD');
    },
  };
}

function request(repo: Repo, headCommit: string, overrides: Partial<JudgeAgentRequest> = {}): JudgeAgentRequest {
  return {
    projectId: 'proj',
    cycle: 4,
    goal: 'Greet users by name, with tests.',
    model: OPENAI_MODEL,
    dir: repo.dir,
    baseCommit: repo.base,
    headCommit,
    testCommand: 'true',
    steering: [],
    plannerReport: { summary: 'All done.', tasksDone: 1, tasksFailed: 0 },
    tasks: [],
    earlierVerdicts: [],
    ...overrides,
  };
}

const continueVerdict = call('submit_verdict', { verdict: 'continue', reasons: 'Checked.', next_focus: 'More.' });

async function judge(req: JudgeAgentRequest, options: { diffBudgetChars?: number } = {}) {
  const agent = new ModelJudgeAgent({ models: fakeModels(server), transcripts: store, ...options });
  return agent.judge(req, testRun(`transcripts/proj/cycle-${req.cycle}/judge.jsonl`).ctx);
}

const jsTests = {
  'src/greet.js': 'exports.greet = (name) => `hi ${name}`;\n',
  'test/greet.test.js': "it('greets', () => {});\nit('greets by name', () => {});\n",
  'test/cli.test.js': "it('runs', () => {});\n",
};

describe("test tampering flags in the judge's opening message", () => {
  test('a deleted test file is flagged; a test file moved to another test folder is not', async () => {
    const repo = await repoWith(jsTests);
    await fs.mkdir(path.join(repo.dir, 'test/unit'));
    git(repo.dir, 'mv', 'test/greet.test.js', 'test/unit/greet.test.js');
    const head = await repo.commit({ 'test/cli.test.js': null });
    server.setResponder(scripted([continueVerdict]));
    const result = await judge(request(repo, head));
    const section = tamperSection(server.requests[0]);
    expect(section).toContain('[test_deleted] test/cli.test.js was deleted');
    expect(section).not.toContain('greet.test.js');
    expect(result.evidence?.tamperFlags).toEqual(['test_deleted: test/cli.test.js was deleted']);
  });

  test('added skip markers are flagged in every language; a marker that only moved, or one in source code, is not', async () => {
    const repo = await repoWith({
      ...jsTests,
      'test/old.test.js': "it.skip('flaky', () => {});\n",
      'tests/test_greet.py': 'def test_greet():\n    assert True\n',
      'greet_test.go': 'package greet\n\nfunc TestGreet(t *testing.T) {}\n',
      'src/lib.rs': '#[test]\nfn greets() {}\n',
    });
    const head = await repo.commit({
      'test/greet.test.js': "it.skip('greets', () => {});\nxit('greets by name', () => {});\n",
      'test/old.test.js': "  it.skip('flaky', () => {});\n",
      'tests/test_greet.py': '@pytest.mark.skip(reason="later")\ndef test_greet():\n    assert True\n',
      'greet_test.go': 'package greet\n\nfunc TestGreet(t *testing.T) {\n\tt.Skip("later")\n}\n',
      'src/lib.rs': '#[test]\n#[ignore]\nfn greets() {}\n',
      'src/markers.js': "exports.markers = ['it.skip(', 'xit('];\n",
    });
    server.setResponder(scripted([continueVerdict]));
    await judge(request(repo, head));
    const section = tamperSection(server.requests[0]);
    expect(section).toContain('[skip_added] test/greet.test.js: 1 more `.skip(` than at the base');
    expect(section).toContain('[skip_added] test/greet.test.js: 1 more `xit( / xdescribe(` than at the base');
    expect(section).toContain('[skip_added] tests/test_greet.py: 1 more `@pytest.mark.skip` than at the base');
    expect(section).toContain('[skip_added] greet_test.go: 1 more `t.Skip(` than at the base');
    expect(section).toContain('[skip_added] src/lib.rs: 1 more `#[ignore]` than at the base');
    expect(section).not.toContain('old.test.js');
    expect(section).not.toContain('markers.js');
  });

  test('a changed test script is flagged', async () => {
    const repo = await repoWith({ ...jsTests, 'package.json': JSON.stringify({ scripts: { test: 'node -e 0', build: 'tsc' } }, null, 2) });
    const head = await repo.commit({
      'package.json': JSON.stringify({ scripts: { test: 'node -e 0 || true', build: 'tsc -b' } }, null, 2),
    });
    server.setResponder(scripted([continueVerdict]));
    await judge(request(repo, head, { testCommand: 'npm test' }));
    const section = tamperSection(server.requests[0]);
    expect(section).toContain('[test_script_changed] package.json: scripts.test changed from "node -e 0" to "node -e 0 || true"');
    expect(section).not.toContain('build');
  });

  test('changed test configuration is flagged, also inside a shared file, but not an unrelated change there', async () => {
    const pyproject = (version: string, addopts: string) =>
      `[project]\nname = "greet"\nversion = "${version}"\n\n[tool.pytest.ini_options]\naddopts = "${addopts}"\n`;
    const repo = await repoWith({ ...jsTests, 'jest.config.js': 'module.exports = {};\n', 'pyproject.toml': pyproject('1.0', '-q') });
    const unrelated = await repo.commit({ 'pyproject.toml': pyproject('1.1', '-q') });
    server.setResponder(scripted([continueVerdict, continueVerdict]));
    await judge(request(repo, unrelated));
    expect(tamperSection(server.requests[0])).toContain('(none found');

    const head = await repo.commit({
      'jest.config.js': "module.exports = { testPathIgnorePatterns: ['cli'] };\n",
      'pyproject.toml': pyproject('1.1', '-q -k "not slow"'),
    });
    server.requests.length = 0;
    await judge(request(repo, head, { cycle: 5 }));
    const section = tamperSection(server.requests[0]);
    expect(section).toContain('[test_config_changed] jest.config.js (test runner configuration) was modified');
    expect(section).toContain('[test_config_changed] pyproject.toml: its test runner sections changed');
  });

  test('a change to a file the test command runs is flagged, also through the package script it names', async () => {
    const repo = await repoWith({
      ...jsTests,
      'scripts/check.sh': 'exit 0\n',
      'scripts/run-tests.js': 'process.exit(0);\n',
      'package.json': JSON.stringify({ scripts: { test: 'node scripts/run-tests.js' } }),
    });
    const head = await repo.commit({
      'scripts/check.sh': 'exit 0 # skip the slow part\n',
      'scripts/run-tests.js': 'process.exit(0); // none\n',
    });
    server.setResponder(scripted([continueVerdict, continueVerdict]));
    await judge(request(repo, head, { testCommand: 'bash scripts/check.sh' }));
    expect(tamperSection(server.requests[0])).toContain(
      '[test_command_changed] scripts/check.sh, which the test command runs, was modified',
    );

    server.requests.length = 0;
    await judge(request(repo, head, { cycle: 5, testCommand: 'npm test' }));
    expect(tamperSection(server.requests[0])).toContain(
      '[test_command_changed] scripts/run-tests.js, which the test command runs, was modified',
    );
  });

  // Counts the `it(` lines of the test files and reports them the way Mocha does.
  const countingCommand = 'echo "$(cat test/*.test.js | grep -c \'^it(\') passing"';

  test('fewer tests than at the base are flagged, counting at the base in a checkout of it', async () => {
    const repo = await repoWith(jsTests);
    const head = await repo.commit({ 'test/greet.test.js': "it('greets', () => {});\n" });
    const baseDir = path.join(await temps.make('longhaul-base-'), 'view');
    git(repo.dir, 'worktree', 'add', '-q', '--detach', baseDir, repo.base);
    let released = 0;
    server.setResponder(scripted([continueVerdict]));
    const result = await judge(
      request(repo, head, {
        testCommand: countingCommand,
        openBaseCheckout: async () => ({ dir: baseDir, release: async () => void released++ }),
      }),
    );
    const section = tamperSection(server.requests[0]);
    expect(section).toContain('[fewer_tests] the test runner reports 2 tests at the head, 3 at the base');
    expect(section).toContain('At the base the runner reported 3 tests (3 passed, 0 failed, 0 skipped) (run by the harness now).');
    expect(released).toBe(1);
    expect(result.evidence?.testCounts).toEqual({ commit: head, passed: 2, failed: 0, skipped: 0, total: 2 });
  });

  test('counts carried over from the previous review of the base are used without running the tests there', async () => {
    const repo = await repoWith(jsTests);
    const head = await repo.commit({ 'src/greet.js': 'exports.greet = (n) => `hello ${n}`;\n' });
    server.setResponder(scripted([continueVerdict, continueVerdict]));
    const opened: string[] = [];
    const openBaseCheckout = async () => {
      opened.push('base');
      return { dir: repo.dir, release: async () => undefined };
    };
    await judge(
      request(repo, head, {
        testCommand: countingCommand,
        baseTestCounts: { commit: repo.base, passed: 5, failed: 0, skipped: 0, total: 5 },
        openBaseCheckout,
      }),
    );
    expect(tamperSection(server.requests[0])).toContain('[fewer_tests] the test runner reports 3 tests at the head, 5 at the base');
    expect(tamperSection(server.requests[0])).toContain('(recorded by the previous review)');
    expect(opened).toEqual([]);

    // Counts recorded for another commit say nothing about this base.
    server.requests.length = 0;
    await judge(
      request(repo, head, {
        cycle: 5,
        testCommand: countingCommand,
        baseTestCounts: { commit: head, passed: 5, failed: 0, skipped: 0, total: 5 },
        openBaseCheckout,
      }),
    );
    expect(opened).toEqual(['base']);
    expect(tamperSection(server.requests[0])).not.toContain('fewer_tests');
  });
});

describe('what the judge is shown of the cycle', () => {
  test('the diff itself within its budget, the largest files summarised, earlier verdicts and every task', async () => {
    const repo = await repoWith(jsTests);
    const big = Array.from({ length: 400 }, (_, i) => `line ${i} of generated data`).join('\n');
    const head = await repo.commit({ 'src/greet.js': 'exports.greet = (name) => `hello ${name}`;\n', 'data/big.txt': `${big}\n` });
    server.setResponder(scripted([continueVerdict]));
    await judge(
      request(repo, head, {
        earlierVerdicts: [
          { cycle: 2, verdict: 'continue', reasons: 'The CLI ignores its argument.', nextFocus: 'src/cli.js' },
          { cycle: 3, verdict: 'continue', reasons: 'The CLI still ignores its argument.' },
        ],
        tasks: [
          { taskId: 'c4.p0.r1.1', title: 'Greeting', status: 'done', summary: 'Says hello now.', commit: head },
          { taskId: 'c4.p0.r1.2', title: 'CLI argument', status: 'failed', summary: 'Tests fail on argv.' },
        ],
      }),
      { diffBudgetChars: 2_000 },
    );
    const kickoff = kickoffOf(server.requests[0]);
    expect(kickoff).toContain('+exports.greet = (name) => `hello ${name}`;');
    expect(kickoff).toContain('- data/big.txt +400 -0');
    expect(kickoff).not.toContain('line 399 of generated data');
    expect(kickoff).toContain('- Cycle 2: continue — The CLI ignores its argument. Next focus: src/cli.js');
    expect(kickoff).toContain('- Cycle 3: continue — The CLI still ignores its argument.');
    expect(kickoff).toContain(`- [done] Greeting (c4.p0.r1.1, commit ${head.slice(0, 12)}) — claimed: Says hello now.`);
    expect(kickoff).toContain('- [failed] CLI argument (c4.p0.r1.2) — claimed: Tests fail on argv.');
  });
});

describe('done while the tests fail', () => {
  test('is refused with the reason, and becomes continue when the judge insists', async () => {
    const repo = await repoWith(jsTests);
    const head = await repo.commit({ 'src/greet.js': 'exports.greet = () => "hi";\n' });
    server.setResponder(
      scripted([
        call('submit_verdict', { verdict: 'done', reasons: 'Everything is implemented.' }),
        call('submit_verdict', { verdict: 'done', reasons: 'Everything is implemented; the failure is flaky.' }),
      ]),
    );
    const result = await judge(request(repo, head, { testCommand: 'echo "1 failing: greets by name"; exit 1' }));
    const refusal = lastToolResults(server.requests[1])[0];
    expect(refusal?.isError).toBe(true);
    expect(refusal?.content).toMatch(/"done" is refused: the test command `echo .*` fails at the head commit [0-9a-f]{12} \(exit code 1/);
    expect(refusal?.content).toMatch(/Submit "continue" with next_focus .* or "abandon"/);
    expect(result.result.verdict).toBe('continue');
    expect(result.result.reasons).toMatch(
      /^The harness refused "done": .*The judge's reasons for "done": Everything is implemented; the failure is flaky\.$/,
    );
    expect(result.result.next_focus).toBe('Make the test command pass.');
    expect(result.evidence).toMatchObject({ testsPassed: false, doneOverruled: true });
  });

  test('a judge told why may answer continue instead', async () => {
    const repo = await repoWith(jsTests);
    const head = await repo.commit({ 'src/greet.js': 'exports.greet = () => "hi";\n' });
    server.setResponder(
      scripted([
        call('submit_verdict', { verdict: 'done', reasons: 'Looks complete.' }),
        call('submit_verdict', { verdict: 'continue', reasons: 'The greeting test fails.', next_focus: 'Fix src/greet.js.' }),
      ]),
    );
    const result = await judge(request(repo, head, { testCommand: 'exit 3' }));
    expect(result.result).toEqual({ verdict: 'continue', reasons: 'The greeting test fails.', next_focus: 'Fix src/greet.js.' });
    expect(result.evidence).toMatchObject({ testsPassed: false, doneOverruled: false });
  });

  test('done stands when the tests pass', async () => {
    const repo = await repoWith(jsTests);
    const head = await repo.commit({ 'src/greet.js': 'exports.greet = (name) => `hi ${name}!`;\n' });
    server.setResponder(scripted([call('submit_verdict', { verdict: 'done', reasons: 'Greets by name; 3 tests pass.' })]));
    const result = await judge(request(repo, head, { testCommand: 'echo "3 passing"' }));
    expect(result.result).toEqual({ verdict: 'done', reasons: 'Greets by name; 3 tests pass.' });
    expect(kickoffOf(server.requests[0])).toMatch(/— passed, exit code 0 .*The runner reports 3 tests \(3 passed, 0 failed, 0 skipped\)/);
    expect(result.evidence).toEqual({
      testsPassed: true,
      testCounts: { commit: head, passed: 3, failed: 0, skipped: 0, total: 3 },
      tamperFlags: [],
      doneOverruled: false,
    });
  });
});
