import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { runShell } from '../../src/agents/tools/shellRunner';
import { EnvironmentStore } from '../../src/environment/environmentStore';
import { prepareCheckout } from '../../src/environment/prepareCheckout';
import { defaultIdentity, gitIn } from '../../src/git/core/gitRunner';
import { GitWorkspace } from '../../src/git/gitWorkspace';
import { RepoCache } from '../../src/git/source/repoCache';
import { parseRepoSource } from '../../src/git/source/repoSource';
import { privateGitDir } from '../../src/git/worktree/privateGitDir';
import { TranscriptStore } from '../../src/state/transcriptStore';
import { cacheGitDir, filesOnBranch, git, removeDir, spareWorktreeList, tempDir } from '../support/gitFixtures';
import { createNodeProject, createPythonProject, type SetupProject } from '../support/setupProjects';
import { unconfined } from '../support/unconfined';

/** Runs a command the way an agent's `run_command` does; true when it exits 0. */
async function agentRuns(command: string, dir: string): Promise<{ passed: boolean; output: string }> {
  const result = await runShell({
    command,
    cwd: dir,
    timeoutMs: 60_000,
    maxOutputChars: 10_000,
    sandboxing: unconfined().for('commands', undefined),
  });
  return { passed: result.exitCode === 0, output: result.output };
}

interface Fixture {
  root: string;
  project: SetupProject;
  workspace: GitWorkspace;
  transcripts: TranscriptStore;
}

function fixture(name: string, make: (dir: string, counter: string) => SetupProject): Fixture {
  const root = tempDir(name);
  const project = make(root, path.join(root, 'setup-runs.log'));
  const transcripts = new TranscriptStore({ stateDir: path.join(root, 'state') });
  const workspace = new GitWorkspace({ sandboxes: unconfined(), workdir: path.join(root, 'work'), transcripts, testTimeoutMs: 60_000 });
  return { root, project, workspace, transcripts };
}

describe('a Node project with a dependency and a setup command', () => {
  let f: Fixture;
  const projectId = 'node';
  const targetBranch = 'longhaul/node';
  const openTask = (taskId: string) =>
    f.workspace.openTask({
      projectId,
      repo: f.project.repo,
      targetBranch,
      cycle: 1,
      taskId,
      title: taskId,
      setupCommand: f.project.setupCommand,
    });
  const integrate = (task: Awaited<ReturnType<typeof openTask>>, message: string) =>
    task.integrate({ message, testCommand: f.project.testCommand, resolveConflict: async () => false });

  beforeAll(() => {
    f = fixture('setup-node', createNodeProject);
  });
  afterAll(() => removeDir(f.root));

  it('sets up once per cycle and gives the worktree, integration and the judge the dependencies', async () => {
    const first = await f.workspace.prepareCycle({
      projectId,
      repo: f.project.repo,
      targetBranch,
      cycle: 1,
      setupCommand: f.project.setupCommand,
    });
    expect(first.environment?.ranSetup).toBe(true);
    expect(f.project.setupRuns()).toBe(1);
    const log = readFileSync(f.transcripts.pathOf(first.environment?.transcriptRef ?? ''), 'utf8');
    expect(log).toContain('npm ci');
    expect(log).toContain('exit code 0');
    const again = await f.workspace.prepareCycle({
      projectId,
      repo: f.project.repo,
      targetBranch,
      cycle: 2,
      setupCommand: f.project.setupCommand,
    });
    expect(again.environment).toEqual({ ...first.environment, ranSetup: false });

    const task = await openTask('feature');
    expect(task.environment).toMatchObject({ ok: true, how: 'copied' });
    const before = await agentRuns(f.project.testCommand, task.dir);
    expect(before.output).toContain('ok sum.test.js');
    expect(before.passed).toBe(true);

    await fs.writeFile(path.join(task.dir, 'test', 'more.test.js'), "require('assert').strictEqual(require('../sum')(1, 1), 2);\n");
    const result = await integrate(task, 'Test more sums');
    await task.dispose();
    expect(result.status).toBe('integrated');
    expect(filesOnBranch(f.project.repo, targetBranch)).toContain('test/more.test.js');
    expect(filesOnBranch(f.project.repo, targetBranch).some((file) => file.startsWith('node_modules'))).toBe(false);

    const head = git(f.project.repo, 'rev-parse', targetBranch);
    const view = await f.workspace.openReadOnlyView({
      projectId,
      repo: f.project.repo,
      commit: head,
      environment: { setupCommand: f.project.setupCommand, cycle: 1, reader: 'judge' },
    });
    try {
      const judged = await agentRuns(f.project.testCommand, view.dir);
      expect(judged.output).toContain('ok more.test.js');
      expect(judged.passed).toBe(true);
    } finally {
      await view.release();
    }
    // Every checkout got a copy: setup ran once in all.
    expect(f.project.setupRuns()).toBe(1);
  }, 120_000);

  it('sets up again for a task that changed a manifest, once, and later checkouts copy that', async () => {
    const runs = f.project.setupRuns();
    const changer = await openTask('add-script');
    const bystander = await openTask('bystander');
    const manifest = path.join(changer.dir, 'package.json');
    const pkg = JSON.parse(await fs.readFile(manifest, 'utf8')) as { scripts: Record<string, string> };
    pkg.scripts.check = 'tiny-check';
    await fs.writeFile(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
    expect(await integrate(changer, 'Add a check script')).toMatchObject({ status: 'integrated' });
    expect(f.project.setupRuns()).toBe(runs + 1);

    // The bystander's integration tests on top of the changed manifest: it copies, no setup of its own.
    await fs.writeFile(path.join(bystander.dir, 'test', 'zero.test.js'), "require('assert').strictEqual(require('../sum')(0, 0), 0);\n");
    expect(await integrate(bystander, 'Test zero')).toMatchObject({ status: 'integrated' });
    const later = await openTask('later');
    expect(later.environment).toMatchObject({ ok: true, how: 'copied', ranSetup: false });
    expect((await agentRuns('npm run check', later.dir)).passed).toBe(true);
    await Promise.all([changer.dispose(), bystander.dispose(), later.dispose()]);
    expect(f.project.setupRuns()).toBe(runs + 1);
  }, 120_000);

  it('prepares again when a checkout wrote into an installed file in place (shared by hardlinks)', async () => {
    const runs = f.project.setupRuns();
    const vandal = await openTask('vandal');
    await fs.appendFile(path.join(vandal.dir, 'node_modules', 'tiny-check', 'bin', 'tiny-check.js'), '\nprocess.exit(3);\n');
    await vandal.dispose();
    const next = await f.workspace.prepareCycle({
      projectId,
      repo: f.project.repo,
      targetBranch,
      cycle: 5,
      setupCommand: f.project.setupCommand,
    });
    expect(next.environment?.ranSetup).toBe(true);
    expect(f.project.setupRuns()).toBe(runs + 1);
    const task = await openTask('after-vandal');
    try {
      expect((await agentRuns(f.project.testCommand, task.dir)).passed).toBe(true);
    } finally {
      await task.dispose();
    }
  }, 120_000);

  it('fails the tests of a task whose manifest change breaks setup, with the setup output', async () => {
    const runs = f.project.setupRuns();
    const before = git(f.project.repo, 'rev-parse', targetBranch);
    const task = await openTask('bad-dependency');
    const manifest = path.join(task.dir, 'package.json');
    const pkg = JSON.parse(await fs.readFile(manifest, 'utf8')) as { devDependencies: Record<string, string> };
    pkg.devDependencies['not-vendored'] = 'file:vendor/missing.tgz';
    await fs.writeFile(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
    const result = await integrate(task, 'Depend on something missing');
    await task.dispose();
    expect(result.status).toBe('tests_failed');
    expect(result.status === 'tests_failed' && result.output).toContain(`setup command \`${f.project.setupCommand}\` failed`);
    expect(f.project.setupRuns()).toBe(runs + 1);
    expect(git(f.project.repo, 'rev-parse', targetBranch)).toBe(before);
  }, 120_000);

  it('removes prepared setups nobody used for a while; the next cycle prepares again', async () => {
    const runs = f.project.setupRuns();
    const sweeper = new GitWorkspace({
      sandboxes: unconfined(),
      workdir: path.join(f.root, 'work'),
      transcripts: f.transcripts,
      environmentIdleMs: 1,
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await sweeper.sweepNow(f.project.repo);
    const [key] = await fs.readdir(path.join(f.root, 'work', 'repos'));
    const environments = path.join(f.root, 'work', 'repos', key, 'environments');
    expect((await fs.readdir(environments)).filter((name) => !name.startsWith('.'))).toEqual([]);
    const next = await f.workspace.prepareCycle({
      projectId,
      repo: f.project.repo,
      targetBranch,
      cycle: 6,
      setupCommand: f.project.setupCommand,
    });
    expect(next.environment?.ranSetup).toBe(true);
    expect(f.project.setupRuns()).toBe(runs + 1);
  }, 120_000);

  it("readies the merge queue's stack checkouts with the cycle, so the first batch is tested at once", async () => {
    const runs = f.project.setupRuns();
    const prepared = await f.workspace.prepareCycle({
      projectId,
      repo: f.project.repo,
      targetBranch,
      cycle: 7,
      setupCommand: f.project.setupCommand,
      stackCheckouts: true,
    });
    const [key] = await fs.readdir(path.join(f.root, 'work', 'repos'));
    const stacks = path.join(f.root, 'work', 'repos', key, 'stacks');
    const lanes = (await fs.readdir(stacks)).sort();
    // One checkout for the batch under test, one for the batch tested on top of it.
    expect(lanes).toHaveLength(2);
    for (const lane of lanes) {
      expect(git(path.join(stacks, lane), 'rev-parse', 'HEAD')).toBe(prepared.baseCommit);
      expect(existsSync(path.join(stacks, lane, 'node_modules', 'tiny-check'))).toBe(true);
    }

    const task = await openTask('queued');
    await fs.writeFile(path.join(task.dir, 'test', 'queued.test.js'), "require('assert').strictEqual(require('../sum')(2, 2), 4);\n");
    const submission = await task.submit({ message: 'Test a queued sum' });
    await task.dispose();
    if (submission.status !== 'submitted') throw new Error('nothing was submitted');
    const tested = await f.workspace.testStack({
      repo: f.project.repo,
      targetBranch,
      testCommand: f.project.testCommand,
      setupCommand: f.project.setupCommand,
      tasks: [{ taskId: 'queued', requestId: 'queued-1', ref: submission.ref, commit: submission.commit, base: submission.base }],
    });
    expect(tested.output).toContain('ok queued.test.js');
    expect(tested.passed).toBe(true);
    // The cycle's setup served every checkout, the stacks' included.
    expect(f.project.setupRuns()).toBe(runs);
  }, 120_000);
});

describe('a Python project whose setup makes a .venv with an editable install', () => {
  let f: Fixture;
  const projectId = 'py';
  const targetBranch = 'longhaul/py';
  const openTask = (taskId: string) =>
    f.workspace.openTask({
      projectId,
      repo: f.project.repo,
      targetBranch,
      cycle: 1,
      taskId,
      title: taskId,
      setupCommand: f.project.setupCommand,
    });

  beforeAll(async () => {
    f = fixture('setup-py', createPythonProject);
    await f.workspace.prepareCycle({ projectId, repo: f.project.repo, targetBranch, cycle: 1, setupCommand: f.project.setupCommand });
  }, 60_000);
  afterAll(() => removeDir(f.root));

  it("gives each worktree a venv that imports that worktree's code, and commits none of it", async () => {
    const task = await openTask('subtract');
    expect(task.environment).toMatchObject({ ok: true, how: 'copied' });
    expect(existsSync(path.join(task.dir, '.venv'))).toBe(true);
    // The venv and the egg-info are neither ignored by the repository nor shown as changes.
    expect(git(task.dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    const before = await agentRuns(f.project.testCommand, task.dir);
    expect(before.output).toMatch(/Ran 2 tests[\s\S]*OK/);

    await fs.appendFile(path.join(task.dir, 'src', 'calc', '__init__.py'), '\n\ndef sub(a, b):\n    return a - b\n');
    await fs.writeFile(
      path.join(task.dir, 'tests', 'test_sub.py'),
      'import unittest\n\nimport calc\n\n\nclass SubTest(unittest.TestCase):\n    def test_sub(self):\n        self.assertEqual(calc.sub(5, 3), 2)\n',
    );
    const result = await task.integrate({ message: 'Add sub', testCommand: f.project.testCommand, resolveConflict: async () => false });
    await task.dispose();
    expect(result.status).toBe('integrated');
    expect(filesOnBranch(f.project.repo, targetBranch).sort()).toEqual(
      ['setup.cfg', 'setup.py', 'src/calc/__init__.py', 'tests/test_calc.py', 'tests/test_sub.py'].sort(),
    );

    const view = await f.workspace.openReadOnlyView({
      projectId,
      repo: f.project.repo,
      commit: git(f.project.repo, 'rev-parse', targetBranch),
      environment: { setupCommand: f.project.setupCommand, cycle: 1, reader: 'judge' },
    });
    try {
      const judged = await agentRuns(f.project.testCommand, view.dir);
      expect(judged.output).toMatch(/Ran 3 tests[\s\S]*OK/);
    } finally {
      await view.release();
    }
    expect(f.project.setupRuns()).toBe(1);

    // The next task gets this one's worktree, kept and emptied: its venv is copied anew, for its own path.
    const cache = cacheGitDir(path.join(f.root, 'work'));
    expect(spareWorktreeList(cache)).toHaveLength(1);
    const next = await openTask('after-subtract');
    try {
      expect(spareWorktreeList(cache)).toHaveLength(0);
      expect(next.environment).toMatchObject({ ok: true, how: 'copied' });
      expect((await agentRuns(f.project.testCommand, next.dir)).output).toMatch(/Ran 3 tests[\s\S]*OK/);
      expect(git(next.dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    } finally {
      await next.dispose();
    }
    expect(f.project.setupRuns()).toBe(1);
  }, 120_000);

  it('runs setup in the checkout itself for a manifest changed but not committed, and in no other', async () => {
    const runs = f.project.setupRuns();
    const task = await openTask('bump-version');
    const other = await openTask('unrelated');
    try {
      const manifest = path.join(task.dir, 'setup.cfg');
      await fs.writeFile(manifest, (await fs.readFile(manifest, 'utf8')).replace('version = 0.1.0', 'version = 0.2.0'));
      // What any code about to run in a checkout does first (a merge queue's test checkout, say).
      const cache = await RepoCache.open(path.join(f.root, 'work'), parseRepoSource(f.project.repo), {
        identity: defaultIdentity,
        gitIdleTimeoutMs: 60_000,
        lockTimeoutMs: 60_000,
      });
      const store = new EnvironmentStore(cache, {
        setupTimeoutMs: 60_000,
        setupOutputChars: 4_000,
        transcripts: f.transcripts,
        sandboxes: unconfined(),
      });
      const checkout = { dir: task.dir, git: gitIn(task.dir, defaultIdentity), worktreeGitDir: await privateGitDir(task.dir) };
      const scope = {
        store,
        setupCommand: f.project.setupCommand,
        transcriptRef: TranscriptStore.setupLogRefFor({ projectId, cycle: 1, agentId: 'bump-version' }),
      };
      expect(await prepareCheckout(checkout, scope)).toMatchObject({ ok: true, how: 'setup' });
      expect(f.project.setupRuns()).toBe(runs + 1);
      const version = await agentRuns('.venv/bin/python -c "import importlib.metadata as m; print(m.version(\'calc\'))"', task.dir);
      expect(version.output.trim()).toBe('0.2.0');
      expect(git(task.dir, 'status', '--porcelain', '--untracked-files=all')).toBe('M setup.cfg');
      // Asked again with nothing changed, it has nothing to do.
      expect(await prepareCheckout(checkout, scope)).toMatchObject({ ok: true, how: 'ready' });
      expect((await agentRuns(f.project.testCommand, other.dir)).passed).toBe(true);
      // The prepared copy others get is untouched by this checkout's own setup.
      const fresh = await openTask('after-bump');
      const freshVersion = await agentRuns('.venv/bin/python -c "import importlib.metadata as m; print(m.version(\'calc\'))"', fresh.dir);
      await fresh.dispose();
      expect(freshVersion.output.trim()).toBe('0.1.0');
      expect(f.project.setupRuns()).toBe(runs + 1);
    } finally {
      await Promise.all([task.dispose(), other.dispose()]);
    }
  }, 120_000);

  it('parks unfinished work without the setup output', async () => {
    const task = await openTask('unfinished');
    await fs.writeFile(path.join(task.dir, 'notes.txt'), 'half done\n');
    await task.dispose();
    const cache = path.join(f.root, 'work', 'repos');
    const [key] = await fs.readdir(cache);
    const branchFiles = git(path.join(cache, key, 'cache.git'), 'ls-tree', '-r', '--name-only', 'longhaul/py/c1/unfinished').split('\n');
    expect(branchFiles).toContain('notes.txt');
    expect(branchFiles.some((file) => file.startsWith('.venv') || file.includes('egg-info'))).toBe(false);
  }, 60_000);
});

describe('a setup command that fails', () => {
  let root: string;
  let workspace: GitWorkspace;
  let transcripts: TranscriptStore;
  let repo: string;

  beforeAll(() => {
    root = tempDir('setup-fail');
    repo = createNodeProject(root, path.join(root, 'runs.log')).repo;
    transcripts = new TranscriptStore({ stateDir: path.join(root, 'state') });
    workspace = new GitWorkspace({ sandboxes: unconfined(), workdir: path.join(root, 'work'), transcripts });
  });
  afterAll(() => removeDir(root));

  it('fails the cycle preparation once, not retryable, with its output', async () => {
    const setupCommand = 'echo "resolving left-pad"; echo "E404 left-pad is not in the registry" >&2; exit 7';
    const failure = await workspace
      .prepareCycle({ projectId: 'broken', repo, targetBranch: 'longhaul/broken', cycle: 3, setupCommand })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    const appFailure = failure as ApplicationFailure;
    expect(appFailure.type).toBe('LonghaulSetupFailed');
    expect(appFailure.nonRetryable).toBe(true);
    expect(appFailure.message).toContain('exit code 7');
    expect(appFailure.message).toContain('E404 left-pad is not in the registry');
    expect(appFailure.message).toContain('preparing cycle 3');
    const ref = TranscriptStore.setupLogRefFor({ projectId: 'broken', cycle: 3, agentId: 'cycle' });
    expect(appFailure.message).toContain(ref);
    expect(readFileSync(transcripts.pathOf(ref), 'utf8')).toContain('resolving left-pad');
    // Nothing prepared is left behind for checkouts to copy.
    const [key] = await fs.readdir(path.join(root, 'work', 'repos'));
    const environments = path.join(root, 'work', 'repos', key, 'environments');
    expect((await fs.readdir(environments)).filter((name) => name.endsWith('.json'))).toEqual([]);
  }, 60_000);
});
