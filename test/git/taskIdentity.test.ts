import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { GitWorkspace } from '../../src/git/gitWorkspace';
import { createSourceRepo, git, removeDir, tempDir } from '../support/gitFixtures';

test("another project's commit with the same task id is not taken for an earlier attempt", async () => {
  const root = tempDir('identity');
  try {
    const source = createSourceRepo(path.join(root, 'source'), 3);
    const workspace = new GitWorkspace({ workdir: path.join(root, 'work') });
    const taskId = 'c1.p0.r1.1';

    // Project A lands task c1.p0.r1.1, and the user merges A's branch into main.
    const a = await workspace.prepareCycle({ projectId: 'a', repo: source, targetBranch: 'longhaul/a', cycle: 1 });
    const taskA = await workspace.openTask({
      projectId: 'a',
      repo: source,
      targetBranch: 'longhaul/a',
      cycle: 1,
      taskId,
      title: 'A',
      sinceCommit: a.baseCommit,
    });
    writeFileSync(path.join(taskA.dir, 'a.txt'), 'from project a\n');
    expect(await taskA.integrate({ message: 'A', resolveConflict: async () => false })).toMatchObject({ status: 'integrated' });
    await taskA.dispose();
    git(source, 'merge', '-q', '--ff-only', 'longhaul/a');

    // Project B starts from that main: its own task c1.p0.r1.1 must really run.
    const b = await workspace.prepareCycle({ projectId: 'b', repo: source, targetBranch: 'longhaul/b', cycle: 1 });
    const taskB = await workspace.openTask({
      projectId: 'b',
      repo: source,
      targetBranch: 'longhaul/b',
      cycle: 1,
      taskId,
      title: 'B',
      sinceCommit: b.baseCommit,
    });
    expect(taskB.integratedCommit).toBeUndefined();
    await taskB.dispose();

    // Without the cycle's base commit, A's commit would be mistaken for B's earlier attempt.
    const unbounded = await workspace.openTask({ projectId: 'b', repo: source, targetBranch: 'longhaul/b', cycle: 1, taskId, title: 'B' });
    expect(unbounded.integratedCommit).toBe(git(source, 'rev-parse', 'main'));
    await unbounded.dispose();
  } finally {
    removeDir(root);
  }
});
