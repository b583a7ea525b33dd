import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { GitWorkspace } from '../../src/git/gitWorkspace';
import type { ConflictInfo } from '../../src/git/workspaceContract';
import { cacheGitDir, createSourceRepo, git, removeDir, taskTrailers, tempDir, taskWorktreeList } from '../support/gitFixtures';

describe('conflicting tasks', () => {
  let root: string;
  let source: string;
  let workdir: string;
  let workspace: GitWorkspace;
  const projectId = 'clash';
  const targetBranch = `longhaul/${projectId}`;
  const open = (taskId: string) => workspace.openTask({ projectId, repo: source, targetBranch, cycle: 1, taskId, title: taskId });

  beforeEach(async () => {
    root = tempDir('conflict');
    source = createSourceRepo(path.join(root, 'source'), 5);
    workdir = path.join(root, 'work');
    workspace = new GitWorkspace({ workdir });
    await workspace.prepareCycle({ projectId, repo: source, targetBranch, cycle: 1 });
  });

  afterEach(() => removeDir(root));

  it('hands the second task its conflict, and both changes land once the resolver merges them', async () => {
    const first = await open('first');
    const second = await open('second');
    await fs.writeFile(path.join(first.dir, 'README.md'), '# fixture\n\nchanged by first\n');
    await fs.writeFile(path.join(second.dir, 'README.md'), '# fixture\n\nchanged by second\n');

    const firstResult = await first.integrate({
      message: 'First edit',
      resolveConflict: async () => {
        throw new Error('the first task has nothing to conflict with');
      },
    });
    expect(firstResult.status).toBe('integrated');

    const conflicts: ConflictInfo[] = [];
    const secondResult = await second.integrate({
      message: 'Second edit',
      resolveConflict: async (conflict) => {
        conflicts.push(conflict);
        // Like an agent: read the file with its markers, write a version keeping both intentions.
        const file = path.join(second.dir, 'README.md');
        const withMarkers = await fs.readFile(file, 'utf8');
        expect(withMarkers).toMatch(/^<<<<<<< /m);
        expect(withMarkers).toContain('changed by first');
        expect(withMarkers).toContain('changed by second');
        await fs.writeFile(file, '# fixture\n\nchanged by first\nchanged by second\n');
        return true;
      },
    });
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0].conflictedFiles).toEqual(['README.md']);
    expect(conflicts[0].details).toContain('README.md');
    expect(conflicts[0].details).toContain('First edit');
    expect(secondResult.status).toBe('integrated');

    expect(git(source, 'show', `${targetBranch}:README.md`)).toBe('# fixture\n\nchanged by first\nchanged by second');
    expect(taskTrailers(source, targetBranch).sort()).toEqual(['first', 'second']);
    // The resolved commit keeps exactly its own message, trailer last.
    expect(git(source, 'log', '-1', '--format=%B', targetBranch)).toBe('Second edit\n\nLonghaul-Task: second');
    expect(git(source, 'rev-list', '--merges', '--count', targetBranch)).toBe('0');
    await first.dispose();
    await second.dispose();
    expect(taskWorktreeList(cacheGitDir(workdir))).toEqual([]);
  }, 30_000);

  it('reports an unresolved conflict, keeps the work on the task branch, and a retry continues from it', async () => {
    const first = await open('first');
    const second = await open('second');
    await fs.writeFile(path.join(first.dir, 'README.md'), '# fixture\n\nchanged by first\n');
    await fs.writeFile(path.join(second.dir, 'README.md'), '# fixture\n\nchanged by second\n');
    await fs.writeFile(path.join(second.dir, 'files', 'second-only.txt'), 'kept\n');
    expect((await first.integrate({ message: 'First edit', resolveConflict: async () => false })).status).toBe('integrated');
    await first.dispose();
    const headAfterFirst = git(source, 'rev-parse', targetBranch);

    const declined = await second.integrate({ message: 'Second edit', resolveConflict: async () => false });
    expect(declined).toMatchObject({ status: 'conflict', conflictedFiles: ['README.md'] });
    expect(git(source, 'rev-parse', targetBranch)).toBe(headAfterFirst);
    // No rebase is left half done in the worktree.
    expect(git(second.dir, 'status', '--porcelain')).toBe('');
    await second.dispose();
    expect(existsSync(second.dir)).toBe(false);

    // Markers left in place count as unresolved.
    const retry = await open('second');
    expect(await fs.readFile(path.join(retry.dir, 'files', 'second-only.txt'), 'utf8')).toBe('kept\n');
    expect(await fs.readFile(path.join(retry.dir, 'README.md'), 'utf8')).toBe('# fixture\n\nchanged by second\n');
    const sloppy = await retry.integrate({ message: 'Second edit', resolveConflict: async () => true });
    expect(sloppy.status).toBe('conflict');
    expect(sloppy.status === 'conflict' && sloppy.details).toContain('conflict markers remain in README.md');

    const resolved = await retry.integrate({
      message: 'Second edit',
      resolveConflict: async () => {
        await fs.writeFile(path.join(retry.dir, 'README.md'), '# fixture\n\nchanged by first, then by second\n');
        return true;
      },
    });
    expect(resolved.status).toBe('integrated');
    await retry.dispose();
    expect(git(source, 'show', `${targetBranch}:README.md`)).toBe('# fixture\n\nchanged by first, then by second');
    expect(git(source, 'show', `${targetBranch}:files/second-only.txt`)).toBe('kept');
    expect(taskTrailers(source, targetBranch).sort()).toEqual(['first', 'second']);
    // The parked work was folded into the task's single commit.
    expect(git(source, 'log', '--format=%s', targetBranch).split('\n')).not.toContainEqual(expect.stringMatching(/unfinished work/));
    expect(git(cacheGitDir(workdir), 'for-each-ref', 'refs/heads/')).toBe('');
  }, 30_000);
});
