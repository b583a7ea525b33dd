import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { enqueueSignal, mergeQueueStatusQuery } from '../../src/contract/messages/mergeQueueMessages';
import { GitWorkspace } from '../../src/git/gitWorkspace';
import type { MergeQueueInput, MergeQueueStatus, QueueEntry } from '../../src/schemas/mergeQueue';
import { createSourceRepo, git, taskTrailers, tempDir } from '../support/gitFixtures';
import { uniqueName, withLonghaulWorkers } from '../support/longhaulTestWorkers';
import { scriptedAgents } from '../support/scriptedAgents';
import { testDeps } from '../support/testDeps';

/**
 * The queue tests the next batch on top of the one under test: with batches of 2 and 4 tasks joining
 * at once, the second batch is stacked on the first and tested beside it.
 */
describe('a merge queue testing a batch ahead', () => {
  const projectId = 'ahead';

  async function submit(workspace: GitWorkspace, repo: string, targetBranch: string, taskId: string, text: string): Promise<QueueEntry> {
    const task = await workspace.openTask({ projectId, repo, targetBranch, cycle: 1, taskId, title: taskId });
    try {
      await fs.writeFile(path.join(task.dir, 'files', `${taskId}.txt`), text);
      const submission = await task.submit({ message: `Task ${taskId}` });
      if (submission.status !== 'submitted') throw new Error(`${taskId} had nothing to submit`);
      return { taskId, requestId: `${taskId}-1`, ref: submission.ref, commit: submission.commit, base: submission.base };
    } finally {
      await task.dispose();
    }
  }

  /** Submits the tasks, lets the queue land what it can, and returns its status and the test runs' inputs. */
  async function runQueue(name: string, texts: Record<string, string>) {
    const taskQueue = uniqueName(name);
    const scratch = tempDir(name);
    const repo = createSourceRepo(path.join(scratch, 'source'), 3);
    const targetBranch = `longhaul/${taskQueue}`;
    const workspace = new GitWorkspace({ workdir: path.join(scratch, 'work') });
    await workspace.prepareCycle({ projectId, repo, targetBranch, cycle: 1 });
    const entries: QueueEntry[] = [];
    for (const [taskId, text] of Object.entries(texts)) entries.push(await submit(workspace, repo, targetBranch, taskId, text));
    const input: MergeQueueInput = {
      repo,
      targetBranch,
      // Long enough for the next batch to be drawn while one runs.
      testCommand: 'sleep 2; if grep -l BROKEN files/*.txt; then echo "BROKEN found" >&2; exit 1; fi',
      sandbox: { enabled: false, network: { commands: false, setup: false } },
      settings: { maxBatch: 2, batchDelayMs: 200, idleExitMs: 1_000 },
    };
    const agents = scriptedAgents({
      plan: () => ({ summary: '', tasks: [], subplanners: [], done: true }),
      judge: () => ({ verdict: 'done', reasons: 'unused' }),
    });
    return withLonghaulWorkers({ taskQueue, deps: testDeps(agents, workspace), roles: ['workflow', 'merge'] }, async (client: Client) => {
      const workflowId = `${taskQueue}-queue`;
      for (const entry of entries) {
        await client.workflow.signalWithStart('mergeQueueWorkflow', {
          workflowId,
          taskQueue,
          args: [input],
          signal: enqueueSignal,
          signalArgs: [entry],
        });
      }
      const handle = client.workflow.getHandle(workflowId);
      let status: MergeQueueStatus;
      do {
        await new Promise((resolve) => setTimeout(resolve, 300));
        status = await handle.query(mergeQueueStatusQuery);
      } while (
        status.totals.landed + status.totals.bounced < Object.keys(texts).length ||
        status.waiting.length > 0 ||
        status.testing.length > 0
      );
      const history = await handle.fetchHistory();
      await handle.terminate('test finished');
      const tests = (history.events ?? []).flatMap((event) => {
        const attrs = event.activityTaskScheduledEventAttributes;
        if (attrs?.activityType?.name !== 'testStack') return [];
        const [request] = (attrs.input?.payloads ?? []).map((p) => JSON.parse(Buffer.from(p.data ?? []).toString('utf8')));
        return [{ tasks: request.tasks.map((t: QueueEntry) => t.taskId), after: (request.after ?? []).map((t: QueueEntry) => t.taskId) }];
      });
      return { status, tests, repo, targetBranch };
    });
  }

  it('lands a batch tested on top of the one before it right after that one, each task once', async () => {
    const { status, tests, repo, targetBranch } = await runQueue('ahead', { a: 'a\n', b: 'b\n', c: 'c\n', d: 'd\n' });
    expect(tests).toEqual([
      { tasks: ['a', 'b'], after: [] },
      { tasks: ['c', 'd'], after: ['a', 'b'] },
    ]);
    expect(status.totals).toMatchObject({ landed: 4, bounced: 0, batches: 2 });
    expect(taskTrailers(repo, targetBranch).sort()).toEqual(['a', 'b', 'c', 'd']);
    // The second batch landed as tested: on top of the first, by fast-forward.
    expect(git(repo, 'log', '--format=%s', '-4', targetBranch).split('\n')).toEqual(['Task d', 'Task c', 'Task b', 'Task a']);
  }, 120_000);

  it('tests a batch ahead again when the batch before it fails, and bounces only the culprit', async () => {
    const { status, tests, repo, targetBranch } = await runQueue('ahead-fail', { a: 'a\n', x: 'BROKEN\n', c: 'c\n', d: 'd\n' });
    expect(tests[0]).toEqual({ tasks: ['a', 'x'], after: [] });
    expect(tests[1]).toEqual({ tasks: ['c', 'd'], after: ['a', 'x'] });
    // The batch behind the failed one never landed as tested: it was tested again on a head without it.
    expect(tests.slice(2)).toContainEqual({ tasks: ['c', 'd'], after: [] });
    expect(status.totals).toMatchObject({ landed: 3, bounced: 1 });
    expect(status.bounced).toEqual([{ taskId: 'x', kind: 'tests_failed' }]);
    expect(taskTrailers(repo, targetBranch).sort()).toEqual(['a', 'c', 'd']);
  }, 120_000);
});
