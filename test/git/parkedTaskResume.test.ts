import { promises as fs } from 'node:fs';
import path from 'node:path';
import { GitWorkspace } from '../../src/git/gitWorkspace';
import { createSourceRepo, git, removeDir, tempDir } from '../support/gitFixtures';

describe('a parked task coming back to be fixed', () => {
  let root: string;
  let source: string;
  const projectId = 'park';
  const targetBranch = 'longhaul/park';
  const request = { projectId, targetBranch, cycle: 1, taskId: 't1', title: 'Task t1' };

  beforeAll(async () => {
    root = tempDir('park');
    source = createSourceRepo(path.join(root, 'source'), 3);
    await new GitWorkspace({ workdir: path.join(root, 'first') }).prepareCycle({ projectId, repo: source, targetBranch, cycle: 1 });
  });

  afterAll(() => removeDir(root));

  it('opens a task again right after it was disposed of in the background, with its work', async () => {
    const workspace = new GitWorkspace({ workdir: path.join(root, 'background') });
    const task = await workspace.openTask({ ...request, repo: source, taskId: 't0' });
    await fs.writeFile(path.join(task.dir, 'files', 'f0002.txt'), 'parked work\n');
    const submission = await task.submit({ message: 'Task t0' });
    const errors: unknown[] = [];
    task.disposeSoon((error) => errors.push(error));
    // Without waiting for the disposal, the same task is opened again: it is not busy, and its branch holds the work.
    const again = await workspace.openTask({ ...request, repo: source, taskId: 't0' });
    try {
      expect(submission.status).toBe('submitted');
      expect(await fs.readFile(path.join(again.dir, 'files', 'f0002.txt'), 'utf8')).toBe('parked work\n');
    } finally {
      await again.dispose();
    }
    expect(errors).toEqual([]);
  });

  it('continues from its submission on a machine that never saw the task, and fails clearly when the submission is gone', async () => {
    // The task's worker ran on one machine and parked its change in the queue.
    const first = new GitWorkspace({ workdir: path.join(root, 'first') });
    const task = await first.openTask({ ...request, repo: source });
    await fs.writeFile(path.join(task.dir, 'files', 'f0001.txt'), 'the work\n');
    const submission = await task.submit({ message: 'Task t1' });
    await task.dispose();
    if (submission.status !== 'submitted') throw new Error('nothing was submitted');

    // The fix runs on another machine: its worktree starts from the submitted commit, not the target head.
    const second = new GitWorkspace({ workdir: path.join(root, 'second') });
    const resumed = await second.openTask({ ...request, repo: source, resumeFrom: { ref: submission.ref, commit: submission.commit } });
    try {
      expect(await fs.readFile(path.join(resumed.dir, 'files', 'f0001.txt'), 'utf8')).toBe('the work\n');
      expect(git(resumed.dir, 'rev-parse', 'HEAD')).toBe(submission.commit);
    } finally {
      await resumed.dispose();
    }

    // With the submission gone from the source, a third machine cannot continue: it says so and is not retried.
    git(source, 'update-ref', '-d', submission.ref);
    const third = new GitWorkspace({ workdir: path.join(root, 'third') });
    await expect(
      third.openTask({ ...request, repo: source, resumeFrom: { ref: submission.ref, commit: submission.commit } }),
    ).rejects.toMatchObject({ type: 'LonghaulUnknownCommit', nonRetryable: true, message: expect.stringContaining('is gone') });
  });
});
