import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { GitWorkspace } from '../../src/git/gitWorkspace';
import { cacheGitDir, createSourceRepo, git, removeDir, taskTrailers, tempDir, taskWorktreeList } from '../support/gitFixtures';

const projectRoot = path.resolve(__dirname, '..', '..');

/**
 * Runs one task in a separate worker process that SIGKILLs itself at `killAt` (a crash, not an
 * exception: no finally block, no dispose), and resolves with the signal it died of. With
 * `waitFor`, the worker edits README.md, creates `<waitFor>.ready` and waits for `<waitFor>.go`
 * before integrating, so the test can land a conflicting change in between.
 */
function crashingWorker(options: {
  workdir: string;
  source: string;
  targetBranch: string;
  taskId: string;
  killAt: 'beforePush' | 'afterPush' | 'resolveConflict';
  waitFor?: string;
}): Promise<NodeJS.Signals | null> {
  const script = `
    const fs = require('node:fs');
    const path = require('node:path');
    const { GitWorkspace } = require(${JSON.stringify(path.join(projectRoot, 'src/git/gitWorkspace.ts'))});
    const input = JSON.parse(process.env.CRASH_INPUT);
    const die = () => process.kill(process.pid, 'SIGKILL');
    const hooks = input.killAt === 'resolveConflict' ? {} : { [input.killAt]: die };
    const workspace = new GitWorkspace({ workdir: input.workdir, hooks });
    (async () => {
      const task = await workspace.openTask({
        projectId: 'crash', repo: input.source, targetBranch: input.targetBranch, cycle: 1, taskId: input.taskId, title: 't',
      });
      fs.writeFileSync(path.join(task.dir, 'files', input.taskId + '.txt'), 'work of ' + input.taskId + '\\n');
      if (input.waitFor) {
        fs.writeFileSync(path.join(task.dir, 'README.md'), '# fixture\\n\\nchanged by ' + input.taskId + '\\n');
        fs.writeFileSync(input.waitFor + '.ready', '');
        while (!fs.existsSync(input.waitFor + '.go')) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await task.integrate({ message: 'Crashing task', resolveConflict: async () => die() });
      process.exit(3); // unreachable: the worker dies first
    })().catch((error) => { console.error(error); process.exit(2); });
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: projectRoot,
      env: { ...process.env, CRASH_INPUT: JSON.stringify(options), TS_NODE_PROJECT: path.join(projectRoot, 'tsconfig.json') },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => (signal ? resolve(signal) : reject(new Error(`worker exited with code ${code}`))));
  });
}

async function waitForFile(file: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`${file} never appeared`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('integration interrupted by a crash', () => {
  let root: string;
  let source: string;
  let workdir: string;
  const targetBranch = 'longhaul/crash';

  beforeAll(async () => {
    root = tempDir('crash');
    source = createSourceRepo(path.join(root, 'source'), 10);
    workdir = path.join(root, 'work');
    await new GitWorkspace({ workdir }).prepareCycle({ projectId: 'crash', repo: source, targetBranch, cycle: 1 });
  });

  afterAll(() => removeDir(root));

  it('continues a task killed between commit and push, landing exactly one commit', async () => {
    const before = git(source, 'rev-parse', targetBranch);
    expect(await crashingWorker({ workdir, source, targetBranch, taskId: 'killed-before-push', killAt: 'beforePush' })).toBe('SIGKILL');
    expect(git(source, 'rev-parse', targetBranch)).toBe(before);

    // The retry (another process) adopts the dead worker's worktree, lock and queue entry notwithstanding.
    const workspace = new GitWorkspace({ workdir, lockTimeoutMs: 20_000 });
    const retry = await workspace.openTask({
      projectId: 'crash',
      repo: source,
      targetBranch,
      cycle: 1,
      taskId: 'killed-before-push',
      title: 't',
    });
    expect(retry.integratedCommit).toBeUndefined();
    expect(await fs.readFile(path.join(retry.dir, 'files', 'killed-before-push.txt'), 'utf8')).toBe('work of killed-before-push\n');
    const result = await retry.integrate({ message: 'Crashing task, retried', resolveConflict: async () => false });
    expect(result.status).toBe('integrated');
    await retry.dispose();

    expect(taskTrailers(source, targetBranch).filter((id) => id === 'killed-before-push')).toHaveLength(1);
    expect(git(source, 'show', `${targetBranch}:files/killed-before-push.txt`)).toBe('work of killed-before-push');
    expect(taskWorktreeList(cacheGitDir(workdir))).toEqual([]);
  }, 40_000);

  it('recognises a task killed right after its push and does not commit it again', async () => {
    expect(await crashingWorker({ workdir, source, targetBranch, taskId: 'killed-after-push', killAt: 'afterPush' })).toBe('SIGKILL');
    const landed = git(source, 'rev-parse', targetBranch);
    expect(taskTrailers(source, targetBranch)).toContain('killed-after-push');

    const workspace = new GitWorkspace({ workdir, lockTimeoutMs: 20_000 });
    const retry = await workspace.openTask({
      projectId: 'crash',
      repo: source,
      targetBranch,
      cycle: 1,
      taskId: 'killed-after-push',
      title: 't',
    });
    expect(retry.integratedCommit).toBe(landed);
    expect(await retry.integrate({ message: 'again', resolveConflict: async () => false })).toEqual({
      status: 'integrated',
      commit: landed,
    });
    await retry.dispose();
    expect(git(source, 'rev-parse', targetBranch)).toBe(landed);
    expect(taskTrailers(source, targetBranch).filter((id) => id === 'killed-after-push')).toHaveLength(1);
    expect(taskWorktreeList(cacheGitDir(workdir))).toEqual([]);
  }, 40_000);

  it('recovers a task whose worker died while resolving a conflict, mid-rebase', async () => {
    const handshake = path.join(root, 'handshake');
    const worker = crashingWorker({
      workdir,
      source,
      targetBranch,
      taskId: 'died-resolving',
      killAt: 'resolveConflict',
      waitFor: handshake,
    });
    await waitForFile(`${handshake}.ready`);
    const workspace = new GitWorkspace({ workdir, lockTimeoutMs: 20_000 });
    const rival = await workspace.openTask({ projectId: 'crash', repo: source, targetBranch, cycle: 1, taskId: 'rival', title: 't' });
    await fs.writeFile(path.join(rival.dir, 'README.md'), '# fixture\n\nchanged by rival\n');
    expect((await rival.integrate({ message: 'Rival', resolveConflict: async () => false })).status).toBe('integrated');
    await rival.dispose();
    await fs.writeFile(`${handshake}.go`, '');
    expect(await worker).toBe('SIGKILL');

    const retry = await workspace.openTask({
      projectId: 'crash',
      repo: source,
      targetBranch,
      cycle: 1,
      taskId: 'died-resolving',
      title: 't',
    });
    // The half-done rebase is undone; the task's own work is intact.
    expect(await fs.readFile(path.join(retry.dir, 'README.md'), 'utf8')).toBe('# fixture\n\nchanged by died-resolving\n');
    const result = await retry.integrate({
      message: 'Crashing task, retried',
      resolveConflict: async () => {
        await fs.writeFile(path.join(retry.dir, 'README.md'), '# fixture\n\nchanged by rival and died-resolving\n');
        return true;
      },
    });
    expect(result.status).toBe('integrated');
    await retry.dispose();
    expect(git(source, 'show', `${targetBranch}:README.md`)).toBe('# fixture\n\nchanged by rival and died-resolving');
    expect(taskTrailers(source, targetBranch).filter((id) => id === 'died-resolving')).toHaveLength(1);
    expect(taskWorktreeList(cacheGitDir(workdir))).toEqual([]);
  }, 40_000);

  it("sweeps a dead worker's worktree and debris, parking its work for the retry", async () => {
    expect(await crashingWorker({ workdir, source, targetBranch, taskId: 'swept', killAt: 'beforePush' })).toBe('SIGKILL');
    const cache = cacheGitDir(workdir);
    const tasksDir = path.join(path.dirname(cache), 'tasks');
    await fs.mkdir(path.join(tasksDir, 'debris-from-a-crash', 'src'), { recursive: true });
    expect(taskWorktreeList(cache)).toHaveLength(1);

    await new GitWorkspace({ workdir, staleWorktreeMs: 0 }).sweepNow(source);
    expect(taskWorktreeList(cache)).toEqual([]);
    expect(await fs.readdir(tasksDir)).toEqual([]);
    expect(git(cache, 'for-each-ref', '--format=%(refname)', 'refs/heads/')).toBe('refs/heads/longhaul/crash/c1/swept');

    const retry = await new GitWorkspace({ workdir }).openTask({
      projectId: 'crash',
      repo: source,
      targetBranch,
      cycle: 1,
      taskId: 'swept',
      title: 't',
    });
    expect(await fs.readFile(path.join(retry.dir, 'files', 'swept.txt'), 'utf8')).toBe('work of swept\n');
    expect((await retry.integrate({ message: 'Swept task', resolveConflict: async () => false })).status).toBe('integrated');
    await retry.dispose();
    expect(taskTrailers(source, targetBranch).filter((id) => id === 'swept')).toHaveLength(1);
    expect(git(cache, 'for-each-ref', 'refs/heads/')).toBe('');
  }, 40_000);

  it('parks unfinished work when an attempt fails in-process, and the retry resumes it', async () => {
    const failing = new GitWorkspace({
      workdir,
      hooks: {
        afterCommit: () => {
          throw new Error('simulated failure after commit');
        },
      },
    });
    const request = { projectId: 'crash', repo: source, targetBranch, cycle: 1, taskId: 'failed-once', title: 't' };
    const first = await failing.openTask(request);
    await fs.writeFile(path.join(first.dir, 'files', 'failed-once.txt'), 'first attempt\n');
    await expect(first.integrate({ message: 'Failing', resolveConflict: async () => false })).rejects.toThrow(
      'simulated failure after commit',
    );
    await first.dispose();
    expect(existsSync(first.dir)).toBe(false);

    const retry = await new GitWorkspace({ workdir }).openTask(request);
    expect(await fs.readFile(path.join(retry.dir, 'files', 'failed-once.txt'), 'utf8')).toBe('first attempt\n');
    await fs.appendFile(path.join(retry.dir, 'files', 'failed-once.txt'), 'second attempt\n');
    expect((await retry.integrate({ message: 'Resumed', resolveConflict: async () => false })).status).toBe('integrated');
    await retry.dispose();
    expect(git(source, 'show', `${targetBranch}:files/failed-once.txt`)).toBe('first attempt\nsecond attempt');
    expect(taskTrailers(source, targetBranch).filter((id) => id === 'failed-once')).toHaveLength(1);
    expect(git(cacheGitDir(workdir), 'for-each-ref', 'refs/heads/')).toBe('');
  }, 30_000);
});
