import { promises as fs } from 'node:fs';
import path from 'node:path';
import { GitWorkspace } from '../../src/git/gitWorkspace';
import type { QueueEntry } from '../../src/schemas/mergeQueue';
import { createSourceRepo, git, removeDir, taskTrailers, tempDir } from '../support/gitFixtures';

describe('the merge queue stack on git', () => {
  let root: string;
  let source: string;
  /** Where the workers' tasks run, and another machine that runs the queue's steps. */
  let tasksMachine: GitWorkspace;
  let queueMachine: GitWorkspace;
  const projectId = 'mq';
  const targetBranch = 'longhaul/mq';

  /** Opens a task, lets `edit` change its worktree, and submits it. */
  async function submitted(taskId: string, edit: (dir: string) => Promise<void>): Promise<QueueEntry> {
    const task = await tasksMachine.openTask({ projectId, repo: source, targetBranch, cycle: 1, taskId, title: taskId });
    try {
      await edit(task.dir);
      const submission = await task.submit({ message: `Task ${taskId}` });
      if (submission.status !== 'submitted') throw new Error(`${taskId} had nothing to submit`);
      return { taskId, requestId: `${taskId}-1`, ref: submission.ref, commit: submission.commit, base: submission.base };
    } finally {
      await task.dispose();
    }
  }
  const write = (file: string, text: string) => (dir: string) => fs.writeFile(path.join(dir, file), text);

  beforeAll(async () => {
    root = tempDir('mqstack');
    source = createSourceRepo(path.join(root, 'source'), 5);
    tasksMachine = new GitWorkspace({ workdir: path.join(root, 'tasks') });
    queueMachine = new GitWorkspace({ workdir: path.join(root, 'queue'), testOutputChars: 2_000 });
    await tasksMachine.prepareCycle({ projectId, repo: source, targetBranch, cycle: 1 });
  });

  afterAll(() => removeDir(root));

  it('stacks a batch on the head, defers a clash with a batch-mate, bounces a clash with the head, and lands once', async () => {
    const a = await submitted('a', write('files/f0001.txt', 'a was here\n'));
    const b = await submitted('b', write('files/f0002.txt', 'b was here\n'));
    const c = await submitted('c', write('files/f0001.txt', 'c was here\n'));
    const d = await submitted('d', write('README.md', '# d\n'));
    // The head moves under d's feet: its README no longer merges.
    const e = await submitted('e', write('README.md', '# e\n'));
    const first = await queueMachine.testStack({ repo: source, targetBranch, testCommand: 'true', tasks: [e] });
    expect(first.passed).toBe(true);
    await queueMachine.landStack({
      repo: source,
      targetBranch,
      head: first.head,
      tip: first.tip,
      stackRef: first.stackRef ?? '',
      taskRefs: [e.ref],
    });

    const batch = await queueMachine.testStack({ repo: source, targetBranch, testCommand: 'test -f files/f0001.txt', tasks: [a, b, c, d] });
    expect(batch.tasks.map((task) => [task.taskId, task.state])).toEqual([
      ['a', 'stacked'],
      ['b', 'stacked'],
      ['c', 'deferred'],
      ['d', 'conflict'],
    ]);
    const conflict = batch.tasks[3];
    expect(conflict.state === 'conflict' && conflict.output).toContain('README.md');
    expect(batch.passed).toBe(true);
    const land = { repo: source, targetBranch, head: batch.head, tip: batch.tip, stackRef: batch.stackRef ?? '', taskRefs: [a.ref, b.ref] };
    expect(await queueMachine.landStack(land)).toEqual({ kind: 'landed' });
    // A retry after a lost answer finds its stack on the target and lands nothing more.
    expect(await queueMachine.landStack(land)).toEqual({ kind: 'landed' });
    expect(git(source, 'rev-parse', targetBranch)).toBe(batch.tip);
    expect(taskTrailers(source, targetBranch)).toEqual(['b', 'a', 'e']);
    expect(git(source, 'for-each-ref', '--format=%(refname)', 'refs/longhaul/queue/')).not.toContain(a.ref);

    // Tested again (a queue retried after landing): the trailers say both are in.
    const again = await queueMachine.testStack({ repo: source, targetBranch, testCommand: 'true', tasks: [a, b] });
    expect(again.tasks).toEqual([
      { taskId: 'a', state: 'landed', commit: git(source, 'rev-parse', `${targetBranch}~1`) },
      { taskId: 'b', state: 'landed', commit: batch.tip },
    ]);
    expect(again.passed).toBeUndefined();
  }, 60_000);

  it('reports a failing stack with the tail of its output, a gone ref as missing, and a stale lease as moved', async () => {
    const f = await submitted('f', write('files/f0003.txt', 'f was here\n'));
    const failing = await queueMachine.testStack({
      repo: source,
      targetBranch,
      testCommand: 'echo "checking f0003"; echo "f0003 is wrong" >&2; exit 1',
      tasks: [f],
    });
    expect(failing.passed).toBe(false);
    expect(failing.output).toContain('f0003 is wrong');
    expect(failing.stackRef).toBeUndefined();

    const g = await submitted('g', write('files/f0004.txt', 'g was here\n'));
    git(source, 'update-ref', '-d', g.ref);
    const gone = await new GitWorkspace({ workdir: path.join(root, 'third') }).testStack({
      repo: source,
      targetBranch,
      testCommand: 'true',
      tasks: [g],
    });
    expect(gone.tasks).toEqual([{ taskId: 'g', state: 'missing' }]);

    const h = await submitted('h', write('files/f0003.txt', 'h was here\n'));
    const tested = await queueMachine.testStack({ repo: source, targetBranch, testCommand: 'true', tasks: [h] });
    const i = await submitted('i', write('files/f0000.txt', 'i was here\n'));
    const other = await queueMachine.testStack({ repo: source, targetBranch, testCommand: 'true', tasks: [i] });
    await queueMachine.landStack({
      repo: source,
      targetBranch,
      head: other.head,
      tip: other.tip,
      stackRef: other.stackRef ?? '',
      taskRefs: [i.ref],
    });
    // h's stack was tested on a head that is gone: it must be tested again, not pushed.
    await expect(
      queueMachine.landStack({
        repo: source,
        targetBranch,
        head: tested.head,
        tip: tested.tip,
        stackRef: tested.stackRef ?? '',
        taskRefs: [h.ref],
      }),
    ).resolves.toEqual({ kind: 'moved' });
    expect(taskTrailers(source, targetBranch)).not.toContain('h');
  }, 60_000);

  it("runs the stack's tests confined as the project asks, not as the worker's defaults say", async () => {
    // Outside the checkout: a confined command cannot leave a file there, an unconfined one can.
    const marker = path.join(root, 'ran-unconfined');
    const testCommand = `touch ${JSON.stringify(marker)}`;
    const j = await submitted('j', write('files/f0005.txt', 'j was here\n'));
    await queueMachine.testStack({ repo: source, targetBranch, testCommand, tasks: [j] });
    await expect(fs.access(marker)).rejects.toThrow();
    const off = { enabled: false, network: { commands: false, setup: true } };
    const unconfined = await queueMachine.testStack({ repo: source, targetBranch, testCommand, sandbox: off, tasks: [j] });
    expect(unconfined.passed).toBe(true);
    await expect(fs.access(marker)).resolves.toBeUndefined();
  }, 60_000);
});
