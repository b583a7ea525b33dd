import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { GitWorkspace } from '../../src/git/gitWorkspace';
import { runTestCommand } from '../../src/git/integration/testCommand';
import { ApplicationFailure } from '@temporalio/common';
import { BubblewrapSandbox } from '../../src/sandbox/bubblewrapSandbox';
import { createSandboxes } from '../../src/sandbox/createSandboxes';
import { Sandboxes } from '../../src/sandbox/sandboxes';
import { withEmptyPath } from '../support/pathWithout';
import { createSourceRepo, git, removeDir, taskTrailers, tempDir } from '../support/gitFixtures';

describe('the test command gate', () => {
  let root: string;
  let source: string;
  let workspace: GitWorkspace;
  const projectId = 'gate';
  const targetBranch = 'longhaul/gate';
  const open = (taskId: string) => workspace.openTask({ projectId, repo: source, targetBranch, cycle: 1, taskId, title: taskId });

  beforeAll(async () => {
    root = tempDir('testcmd');
    source = createSourceRepo(path.join(root, 'source'), 5);
    workspace = new GitWorkspace({ workdir: path.join(root, 'work'), testTimeoutMs: 5_000, testOutputChars: 2_000 });
    await workspace.prepareCycle({ projectId, repo: source, targetBranch, cycle: 1 });
  });

  afterAll(() => removeDir(root));

  it('does not push a change whose tests fail, and reports their output', async () => {
    const before = git(source, 'rev-parse', targetBranch);
    const task = await open('broken');
    await fs.writeFile(path.join(task.dir, 'files', 'f0000.txt'), 'broken\n');
    const result = await task.integrate({
      message: 'Break things',
      testCommand: 'echo "checking f0000"; grep -q "^fixed$" files/f0000.txt || { echo "f0000 is not fixed" >&2; exit 3; }',
      resolveConflict: async () => false,
    });
    await task.dispose();
    expect(result.status).toBe('tests_failed');
    expect(result.status === 'tests_failed' && result.output).toContain('f0000 is not fixed');
    expect(result.status === 'tests_failed' && result.output).toContain('checking f0000');
    expect(git(source, 'rev-parse', targetBranch)).toBe(before);
    expect(taskTrailers(source, targetBranch)).not.toContain('broken');
  }, 20_000);

  it('pushes a change whose tests pass, tested in the worktree at the commit that lands', async () => {
    const task = await open('fixed');
    await fs.writeFile(path.join(task.dir, 'files', 'f0000.txt'), 'fixed\n');
    const result = await task.integrate({
      message: 'Fix things',
      testCommand: 'grep -q "^fixed$" files/f0000.txt && touch build-artifact.tmp',
      resolveConflict: async () => false,
    });
    expect(result.status).toBe('integrated');
    // What the tests left behind is not part of the commit.
    expect(existsSync(path.join(task.dir, 'build-artifact.tmp'))).toBe(false);
    await task.dispose();
    expect(git(source, 'show', `${targetBranch}:files/f0000.txt`)).toBe('fixed');
    expect(git(source, 'ls-tree', '--name-only', targetBranch)).not.toContain('build-artifact.tmp');
  }, 20_000);

  it('reports no_changes for a task that changed nothing, and pushes nothing', async () => {
    const before = git(source, 'rev-parse', targetBranch);
    const task = await open('idle');
    await fs.writeFile(path.join(task.dir, 'files', 'f0001.txt'), await fs.readFile(path.join(task.dir, 'files', 'f0001.txt')));
    expect(await task.integrate({ message: 'Nothing', testCommand: 'exit 1', resolveConflict: async () => false })).toEqual({
      status: 'no_changes',
    });
    await task.dispose();
    expect(git(source, 'rev-parse', targetBranch)).toBe(before);
  }, 20_000);

  it('runs the test command sandboxed, and redacts secret values from what it reports', async () => {
    const checkout = path.join(root, 'plain-checkout');
    const outside = path.join(root, 'written-by-tests.txt');
    const value = 'gate-test-value-0123456789';
    process.env.FAKE_GATE_TOKEN = value;
    try {
      await fs.mkdir(checkout, { recursive: true });
      await fs.writeFile(path.join(checkout, 'copied.env'), `TOKEN=${value}\n`);
      const result = await runTestCommand(`echo x > ${outside}; cat copied.env; echo "token: \${FAKE_GATE_TOKEN:-unset}"; exit 1`, {
        cwd: checkout,
        timeoutMs: 10_000,
        maxOutputChars: 1_000,
        sandboxing: createSandboxes().for('commands', undefined),
      });
      expect(result.passed).toBe(false);
      expect(existsSync(outside)).toBe(false);
      expect(result.output).toContain('TOKEN=[redacted: value of FAKE_GATE_TOKEN]');
      expect(result.output).toContain('token: unset');
      expect(result.output).not.toContain(value);
    } finally {
      delete process.env.FAKE_GATE_TOKEN;
    }
  }, 20_000);

  it('fails for good, naming the package, when the sandbox cannot start, and runs nothing', async () => {
    const missing = new Sandboxes(new BubblewrapSandbox({ hide: [], memoryMb: 1_024, maxProcesses: 256 }));
    const marker = path.join(root, 'ran-unconfined');
    const failure = await withEmptyPath(() =>
      runTestCommand(`touch ${marker}`, {
        cwd: root,
        timeoutMs: 5_000,
        maxOutputChars: 1_000,
        sandboxing: missing.for('commands', undefined),
      }).catch((error: unknown) => error),
    );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'LonghaulSandboxUnavailable', nonRetryable: true });
    expect((failure as Error).message).toMatch(/package `bubblewrap`/);
    expect(existsSync(marker)).toBe(false);
  });

  it('kills a test command that runs too long, with everything it started', async () => {
    const started = Date.now();
    const result = await runTestCommand('echo started; sleep 30 & sleep 30; echo never', {
      cwd: root,
      sandboxing: createSandboxes().for('commands', undefined),
      timeoutMs: 300,
      maxOutputChars: 1_000,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result).toMatchObject({ passed: false, timedOut: true });
    expect(result.output).toContain('started');
    expect(result.output).toContain('killed after 300 ms');
    expect(result.output).not.toContain('never');
  });

  it('caps what a chatty test command returns, keeping its start and its end', async () => {
    const result = await runTestCommand('seq 1 100000; echo the-end; exit 1', {
      cwd: root,
      timeoutMs: 10_000,
      maxOutputChars: 1_000,
      sandboxing: createSandboxes().for('commands', undefined),
    });
    expect(result.passed).toBe(false);
    expect(result.output.length).toBeLessThan(1_200);
    expect(result.output.startsWith('1\n2\n3\n')).toBe(true);
    expect(result.output.trimEnd().endsWith('the-end')).toBe(true);
    expect(result.output).toContain('characters omitted');
  });
});
