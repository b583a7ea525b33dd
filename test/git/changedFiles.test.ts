import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GitWorkspace } from '../../src/git/gitWorkspace';
import { createSourceRepo, removeDir, tempDir } from '../support/gitFixtures';

test("a task worktree's changed files are its own work since it branched, committed or not, across a resumed attempt", async () => {
  const root = tempDir('changed');
  try {
    const source = createSourceRepo(path.join(root, 'source'), 3);
    const workspace = new GitWorkspace({ workdir: path.join(root, 'work') });
    const { baseCommit } = await workspace.prepareCycle({ projectId: 'p', repo: source, targetBranch: 'longhaul/p', cycle: 1 });
    const open = (taskId: string) =>
      workspace.openTask({
        projectId: 'p',
        repo: source,
        targetBranch: 'longhaul/p',
        cycle: 1,
        taskId,
        title: taskId,
        sinceCommit: baseCommit,
      });

    const task = await open('c1.p0.r1.1');
    writeFileSync(path.join(task.dir, 'files', 'f0000.txt'), 'changed\n');
    rmSync(path.join(task.dir, 'files', 'f0001.txt'));
    mkdirSync(path.join(task.dir, 'src'));
    writeFileSync(path.join(task.dir, 'src', 'new.ts'), 'export {};\n');
    writeFileSync(path.join(task.dir, '.gitignore'), 'build/\n');
    mkdirSync(path.join(task.dir, 'build'));
    writeFileSync(path.join(task.dir, 'build', 'out.js'), 'ignored\n');
    expect(await task.changedFiles()).toEqual(['.gitignore', 'files/f0000.txt', 'files/f0001.txt', 'src/new.ts']);
    // Parked on the task branch when the attempt ends without landing.
    await task.dispose();

    // Another task lands meanwhile: the target moved, but that is not this task's change.
    const other = await open('c1.p0.r1.2');
    writeFileSync(path.join(other.dir, 'README.md'), '# changed by another task\n');
    expect(await other.integrate({ message: 'other', resolveConflict: async () => false })).toMatchObject({ status: 'integrated' });
    await other.dispose();

    const resumed = await open('c1.p0.r1.1');
    writeFileSync(path.join(resumed.dir, 'files', 'f0002.txt'), 'also changed\n');
    expect(await resumed.changedFiles()).toEqual(['.gitignore', 'files/f0000.txt', 'files/f0001.txt', 'files/f0002.txt', 'src/new.ts']);
    await resumed.dispose();
  } finally {
    removeDir(root);
  }
});
