import { promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import { defaultIdentity } from '../../src/git/core/gitRunner';
import { taskBranchName, taskWorktreeName } from '../../src/git/core/names';
import { GitWorkspace } from '../../src/git/gitWorkspace';
import { RepoCache } from '../../src/git/source/repoCache';
import { parseRepoSource } from '../../src/git/source/repoSource';
import { claimSpareLocked } from '../../src/git/worktree/spareWorktrees';
import {
  cacheGitDir,
  createSourceRepo,
  git,
  removeDir,
  spareWorktreeList,
  taskTrailers,
  taskWorktreeList,
  tempDir,
} from '../support/gitFixtures';

const projectId = 'spares';
const targetBranch = `longhaul/${projectId}`;

describe('worktrees kept for the next task', () => {
  let root: string;
  let source: string;
  let workdir: string;
  let workspace: GitWorkspace;
  const openTask = (taskId: string, on: GitWorkspace = workspace) =>
    on.openTask({ projectId, repo: source, targetBranch, cycle: 1, taskId, title: taskId });
  const inode = (file: string): number => statSync(file).ino;

  beforeAll(async () => {
    root = tempDir('spares');
    source = createSourceRepo(path.join(root, 'source'), 50);
    workdir = path.join(root, 'work');
    workspace = new GitWorkspace({ workdir });
    await workspace.prepareCycle({ projectId, repo: source, targetBranch, cycle: 1 });
  });
  afterAll(() => removeDir(root));

  it("keeps an ended task's worktree emptied and detached, and the next task opens in it at the newest head", async () => {
    const first = await openTask('first');
    await fs.writeFile(path.join(first.dir, 'files', 'f0001.txt'), 'edited by first\n');
    await fs.writeFile(path.join(first.dir, '.gitignore'), 'build/\n');
    expect((await first.integrate({ message: 'Edit f0001', resolveConflict: async () => false })).status).toBe('integrated');
    // Left behind: an untracked folder and an ignored build, which a fresh checkout would not have.
    await fs.mkdir(path.join(first.dir, 'scratch'));
    await fs.writeFile(path.join(first.dir, 'scratch', 'notes.txt'), 'notes\n');
    await fs.mkdir(path.join(first.dir, 'build'));
    await fs.writeFile(path.join(first.dir, 'build', 'out.js'), 'built\n');
    await first.dispose();

    const cache = cacheGitDir(workdir);
    expect(taskWorktreeList(cache)).toEqual([]);
    const [spare] = spareWorktreeList(cache);
    expect(spareWorktreeList(cache)).toEqual([{ path: spare.path, detached: true }]);
    expect(git(spare.path, 'status', '--porcelain', '--ignored', '--untracked-files=all')).toBe('');
    expect(git(cache, 'for-each-ref', 'refs/heads/')).toBe('');
    const untouched = inode(path.join(spare.path, 'files', 'f0005.txt'));

    const second = await openTask('second');
    try {
      expect(spareWorktreeList(cache)).toEqual([]);
      expect(path.basename(second.dir)).toBe(taskWorktreeName(taskBranchName(projectId, 1, 'second')));
      // The same files, not a new checkout of them; on the task's own branch at the target head.
      expect(inode(path.join(second.dir, 'files', 'f0005.txt'))).toBe(untouched);
      expect(git(second.dir, 'symbolic-ref', 'HEAD')).toBe(`refs/heads/${taskBranchName(projectId, 1, 'second')}`);
      expect(git(second.dir, 'rev-parse', 'HEAD')).toBe(git(source, 'rev-parse', targetBranch));
      expect(await fs.readFile(path.join(second.dir, 'files', 'f0001.txt'), 'utf8')).toBe('edited by first\n');
      expect(git(second.dir, 'status', '--porcelain', '--ignored', '--untracked-files=all')).toBe('');
      await fs.writeFile(path.join(second.dir, 'files', 'f0002.txt'), 'edited by second\n');
      expect((await second.integrate({ message: 'Edit f0002', resolveConflict: async () => false })).status).toBe('integrated');
    } finally {
      await second.dispose();
    }
    expect(taskTrailers(source, targetBranch)).toEqual(['second', 'first']);
  }, 60_000);

  it('gives a retry the work its earlier attempt kept on the branch, in a kept worktree', async () => {
    const attempt = await openTask('retried');
    await fs.writeFile(path.join(attempt.dir, 'files', 'f0010.txt'), 'unfinished work\n');
    // Ends without landing: the work is parked on the task branch, the worktree is kept without it.
    await attempt.dispose();
    const cache = cacheGitDir(workdir);
    expect(git(cache, 'for-each-ref', '--format=%(refname)', 'refs/heads/')).toBe(`refs/heads/${taskBranchName(projectId, 1, 'retried')}`);
    const [spare] = spareWorktreeList(cache);
    expect(await fs.readFile(path.join(spare.path, 'files', 'f0010.txt'), 'utf8')).toBe('file 10\nline two\nline three\n');
    const untouched = inode(path.join(spare.path, 'files', 'f0005.txt'));

    const retry = await openTask('retried');
    try {
      expect(inode(path.join(retry.dir, 'files', 'f0005.txt'))).toBe(untouched);
      expect(await fs.readFile(path.join(retry.dir, 'files', 'f0010.txt'), 'utf8')).toBe('unfinished work\n');
      expect((await retry.integrate({ message: 'Finish f0010', resolveConflict: async () => false })).status).toBe('integrated');
    } finally {
      await retry.dispose();
    }
    expect(git(source, 'show', `${targetBranch}:files/f0010.txt`)).toBe('unfinished work');
    expect(git(cache, 'for-each-ref', 'refs/heads/')).toBe('');
  }, 60_000);

  it('puts a kept worktree claimed by an attempt that died at once on its branch when the retry adopts it', async () => {
    const cache = cacheGitDir(workdir);
    expect(spareWorktreeList(cache)).toHaveLength(1);
    // What an attempt that died right after claiming leaves: the kept worktree at the task's path, detached.
    const repoCache = await RepoCache.open(await fs.realpath(workdir), parseRepoSource(source), {
      identity: defaultIdentity,
      gitIdleTimeoutMs: 60_000,
      lockTimeoutMs: 60_000,
    });
    const branch = taskBranchName(projectId, 1, 'orphaned');
    const dir = path.join(repoCache.tasksDir, taskWorktreeName(branch));
    expect(await repoCache.withLock(() => claimSpareLocked(repoCache, dir))).toBe(true);
    expect(taskWorktreeList(cache)).toEqual([dir]);

    const retry = await openTask('orphaned', new GitWorkspace({ workdir }));
    try {
      expect(retry.dir).toBe(dir);
      expect(git(dir, 'symbolic-ref', 'HEAD')).toBe(`refs/heads/${branch}`);
      expect(git(dir, 'rev-parse', 'HEAD')).toBe(git(source, 'rev-parse', targetBranch));
      await fs.writeFile(path.join(dir, 'files', 'f0020.txt'), 'after adoption\n');
      expect((await retry.integrate({ message: 'Edit f0020', resolveConflict: async () => false })).status).toBe('integrated');
    } finally {
      await retry.dispose();
    }
    expect(taskTrailers(source, targetBranch).filter((id) => id === 'orphaned')).toHaveLength(1);
  }, 60_000);

  it('keeps no more than the cap, and the sweep drops idle spares and debris', async () => {
    const cache = cacheGitDir(workdir);
    const capped = new GitWorkspace({ workdir, spareWorktrees: 1 });
    const tasks = [await openTask('cap-a', capped), await openTask('cap-b', capped)];
    for (const task of tasks) await task.dispose();
    expect(spareWorktreeList(cache)).toHaveLength(1);
    expect(taskWorktreeList(cache)).toEqual([]);

    const none = new GitWorkspace({ workdir, spareWorktrees: 0 });
    const opened = await openTask('none', none);
    // With keeping off, a kept worktree is not taken either: the task gets a new one.
    expect(spareWorktreeList(cache)).toHaveLength(1);
    await opened.dispose();
    expect(spareWorktreeList(cache)).toHaveLength(1);

    const debris = path.join(path.dirname(cache), 'spare', `${Date.now()}-debris`);
    await fs.mkdir(path.join(debris, 'files'), { recursive: true });
    await new GitWorkspace({ workdir, spareIdleMs: 0 }).sweepNow(source);
    expect(spareWorktreeList(cache)).toEqual([]);
    expect(await fs.readdir(path.join(path.dirname(cache), 'spare'))).toEqual([]);
  }, 60_000);
});
