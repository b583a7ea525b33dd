import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { GitWorkspace } from '../../src/git/gitWorkspace';
import { buildCommitMessage } from '../../src/git/integration/taskTrailer';
import { createSourceRepo, git, removeDir, tempDir } from '../support/gitFixtures';

test('task commits landed since a base: subject, task and files, newest 100, with the count of all', async () => {
  const root = tempDir('landed');
  try {
    const source = createSourceRepo(path.join(root, 'source'), 3);
    const workspace = new GitWorkspace({ workdir: path.join(root, 'work') });
    const targetBranch = 'longhaul/p';
    const { baseCommit } = await workspace.prepareCycle({ projectId: 'p', repo: source, targetBranch, cycle: 1 });

    // One task lands the way workers land them.
    const task = await workspace.openTask({
      projectId: 'p',
      repo: source,
      targetBranch,
      cycle: 1,
      taskId: 'c1.p0.r1.1',
      title: 'Greet',
      sinceCommit: baseCommit,
    });
    writeFileSync(path.join(task.dir, 'greet.txt'), 'hello\n');
    writeFileSync(path.join(task.dir, 'files', 'f0000.txt'), 'changed\n');
    const integrated = await task.integrate({ message: 'Greet everyone', body: 'Adds a greeting.', resolveConflict: async () => false });
    await task.dispose();
    expect(integrated.status).toBe('integrated');
    const first = integrated.status === 'integrated' ? integrated.commit : '';

    const tree = git(source, 'rev-parse', `${targetBranch}^{tree}`);
    let parent = git(source, 'rev-parse', targetBranch);
    const commitOnTarget = (message: string): string => {
      parent = git(source, 'commit-tree', tree, '-p', parent, '-m', message);
      git(source, 'update-ref', `refs/heads/${targetBranch}`, parent);
      return parent;
    };
    // A commit that only mentions the trailer in its text is no task's commit.
    commitOnTarget('Notes on Longhaul-Task: trailers\n\nThey name the task.');
    const head = await workspace.targetHead({ projectId: 'p', repo: source, targetBranch });
    const few = await workspace.landedTaskCommits({ projectId: 'p', repo: source, sinceCommit: baseCommit, untilCommit: head });
    expect(few).toEqual({
      commits: [{ sha: first, subject: 'Greet everyone', taskIds: ['c1.p0.r1.1'], files: ['files/f0000.txt', 'greet.txt'], moreFiles: 0 }],
      total: 1,
    });

    for (let n = 2; n <= 101; n++) commitOnTarget(buildCommitMessage(`Task ${n}`, undefined, `c1.p0.r1.${n}`));
    const many = await workspace.landedTaskCommits({ projectId: 'p', repo: source, sinceCommit: baseCommit, untilCommit: parent });
    expect(many.commits).toHaveLength(100);
    expect(many.commits[0]?.subject).toBe('Task 2');
    expect(many.commits[99]?.taskIds).toEqual(['c1.p0.r1.101']);
    expect(many.total).toBe(101);
  } finally {
    removeDir(root);
  }
});
