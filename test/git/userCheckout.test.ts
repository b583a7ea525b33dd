import { promises as fs, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GitFailureType } from '../../src/git/core/gitFailures';
import { GitWorkspace } from '../../src/git/gitWorkspace';
import { createSourceRepo, git, removeDir, snapshotTree, taskTrailers, tempDir } from '../support/gitFixtures';
import { failureOf } from '../support/failureOf';

describe("the user's checked-out branch", () => {
  let root: string;
  let source: string;
  let workspace: GitWorkspace;

  beforeEach(() => {
    root = tempDir('checkout');
    source = createSourceRepo(path.join(root, 'source'), 5);
    workspace = new GitWorkspace({ workdir: path.join(root, 'work') });
  });

  afterEach(() => removeDir(root));

  function makeDirty(): void {
    // Uncommitted edits of every kind: a modified tracked file, a staged one, an untracked one.
    writeFileSync(path.join(source, 'files', 'f0000.txt'), 'user edit in progress\n');
    writeFileSync(path.join(source, 'files', 'f0001.txt'), 'staged user edit\n');
    git(source, 'add', 'files/f0001.txt');
    writeFileSync(path.join(source, 'notes.txt'), 'untracked notes\n');
  }

  it('refuses a dirty checked-out target with a clear, non-retryable error and touches nothing', async () => {
    makeDirty();
    const before = snapshotTree(source);
    const failure = await failureOf(workspace.prepareCycle({ projectId: 'p', repo: source, targetBranch: 'main', cycle: 1 }));
    expect(failure.type).toBe(GitFailureType.dirtyTargetBranch);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('target branch "main" is checked out in');
    expect(failure.message).toContain('files/f0000.txt');
    expect(failure.message).toContain('notes.txt');
    expect(failure.message).toContain('choose another target branch');
    // Byte for byte, including the repository's own files (index, refs).
    expect(snapshotTree(source)).toBe(before);
  }, 20_000);

  it('leaves a dirty checkout alone when work goes to the default longhaul branch', async () => {
    makeDirty();
    const mainBefore = git(source, 'rev-parse', 'main');
    const indexBefore = readFileSync(path.join(source, '.git', 'index'));
    const worktreeBefore = snapshotTree(path.join(source, 'files'));
    const notesBefore = readFileSync(path.join(source, 'notes.txt'));
    const targetBranch = 'longhaul/p';
    await workspace.prepareCycle({ projectId: 'p', repo: source, targetBranch, cycle: 1 });
    for (const taskId of ['a', 'b']) {
      const task = await workspace.openTask({ projectId: 'p', repo: source, targetBranch, cycle: 1, taskId, title: taskId });
      // Tasks edit the very files the user is editing.
      await fs.writeFile(path.join(task.dir, 'files', 'f0000.txt'), `agent ${taskId}\n`);
      expect((await task.integrate({ message: `Task ${taskId}`, resolveConflict: async () => false })).status).toBe('integrated');
      await task.dispose();
    }
    expect(taskTrailers(source, targetBranch)).toEqual(['b', 'a']);
    expect(git(source, 'symbolic-ref', 'HEAD')).toBe('refs/heads/main');
    expect(git(source, 'rev-parse', 'main')).toBe(mainBefore);
    expect(readFileSync(path.join(source, '.git', 'index')).equals(indexBefore)).toBe(true);
    expect(snapshotTree(path.join(source, 'files'))).toBe(worktreeBefore);
    expect(readFileSync(path.join(source, 'notes.txt')).equals(notesBefore)).toBe(true);
  }, 20_000);

  it('moves a clean checked-out target together with its working tree', async () => {
    await workspace.prepareCycle({ projectId: 'p', repo: source, targetBranch: 'main', cycle: 1 });
    const task = await workspace.openTask({ projectId: 'p', repo: source, targetBranch: 'main', cycle: 1, taskId: 't', title: 't' });
    await fs.writeFile(path.join(task.dir, 'files', 'f0002.txt'), 'agent change\n');
    const result = await task.integrate({ message: 'Agent change', resolveConflict: async () => false });
    await task.dispose();
    expect(result.status).toBe('integrated');
    expect(git(source, 'rev-parse', 'HEAD')).toBe(result.status === 'integrated' ? result.commit : '');
    expect(await fs.readFile(path.join(source, 'files', 'f0002.txt'), 'utf8')).toBe('agent change\n');
    expect(git(source, 'status', '--porcelain')).toBe('');
  }, 20_000);

  it('refuses to integrate once the user starts editing the checked-out target, keeping their edit', async () => {
    await workspace.prepareCycle({ projectId: 'p', repo: source, targetBranch: 'main', cycle: 1 });
    const mainBefore = git(source, 'rev-parse', 'main');
    const task = await workspace.openTask({ projectId: 'p', repo: source, targetBranch: 'main', cycle: 1, taskId: 't', title: 't' });
    await fs.writeFile(path.join(task.dir, 'files', 'f0003.txt'), 'agent change\n');
    await fs.writeFile(path.join(source, 'files', 'f0003.txt'), 'user change\n');
    const failure = await failureOf(task.integrate({ message: 'Agent change', resolveConflict: async () => false }));
    await task.dispose();
    expect(failure.type).toBe(GitFailureType.dirtyTargetBranch);
    expect(failure.nonRetryable).toBe(true);
    expect(await fs.readFile(path.join(source, 'files', 'f0003.txt'), 'utf8')).toBe('user change\n');
    expect(git(source, 'rev-parse', 'main')).toBe(mainBefore);
  }, 20_000);
});
