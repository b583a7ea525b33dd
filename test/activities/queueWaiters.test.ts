import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Client, type WorkflowQueryInput } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { enqueueAndWait, type QueueAddress } from '../../src/activities/mergeQueueClient';
import { mergeQueueWorkflowId } from '../../src/contract/mergeQueueWorkflowId';
import { GitWorkspace } from '../../src/git/gitWorkspace';
import type { QueueEntry, TaskOutcome, TaskStateRequest } from '../../src/schemas/mergeQueue';
import { createSourceRepo, removeDir, taskTrailers, tempDir } from '../support/gitFixtures';
import { uniqueName, withLonghaulWorkers } from '../support/longhaulTestWorkers';
import { scriptedAgents } from '../support/scriptedAgents';
import { testDeps } from '../support/testDeps';
import { unconfined } from '../support/unconfined';

test("one process's waiting tasks share one query per tick on their queue, and each gets its own outcome", async () => {
  const taskQueue = uniqueName('qwait');
  const root = tempDir('qwait');
  const source = createSourceRepo(path.join(root, 'source'), 5);
  const targetBranch = `longhaul/${taskQueue}`;
  const tasks = new GitWorkspace({ sandboxes: unconfined(), workdir: path.join(root, 'tasks') });
  await tasks.prepareCycle({ projectId: taskQueue, repo: source, targetBranch, cycle: 1 });
  const entries: QueueEntry[] = [];
  for (const taskId of ['a', 'b', 'c']) {
    const task = await tasks.openTask({ projectId: taskQueue, repo: source, targetBranch, cycle: 1, taskId, title: taskId });
    await fs.writeFile(path.join(task.dir, 'files', `f000${entries.length}.txt`), `${taskId} was here\n`);
    const submission = await task.submit({ message: `Task ${taskId}` });
    await task.dispose();
    if (submission.status !== 'submitted') throw new Error(`${taskId} had nothing to submit`);
    entries.push({ taskId, requestId: `${taskId}-1`, ref: submission.ref, commit: submission.commit, base: submission.base });
  }

  const unused = scriptedAgents({
    plan: () => {
      throw new Error('no planning here');
    },
    judge: () => {
      throw new Error('no judging here');
    },
  });
  const deps = testDeps(unused, new GitWorkspace({ sandboxes: unconfined(), workdir: path.join(root, 'queue') }));
  try {
    await withLonghaulWorkers({ taskQueue, deps, roles: ['workflow', 'merge'] }, async (client) => {
      // Every query this process sends, by name, with how many submissions each batch query asked about.
      const asked: { type: string; requests: number }[] = [];
      const counting = new Client({
        connection: client.connection,
        namespace: client.options.namespace,
        interceptors: {
          workflow: [
            {
              query: (input: WorkflowQueryInput, next) => {
                const [requests] = input.args as [TaskStateRequest[] | TaskStateRequest];
                asked.push({ type: input.queryType, requests: Array.isArray(requests) ? requests.length : 1 });
                return next(input);
              },
            },
          ],
        },
      });
      const queue: QueueAddress = {
        client: counting,
        workflowId: mergeQueueWorkflowId(source, targetBranch),
        taskQueue,
        // One task per batch, each tested for a while: the three wait side by side over many ticks.
        start: { repo: source, targetBranch, testCommand: 'sleep 1', settings: { maxBatch: 1, batchDelayMs: 0 } },
      };
      const outcomes: TaskOutcome[] = await Promise.all(
        entries.map(
          (entry) =>
            new MockActivityEnvironment({ taskQueue: `${taskQueue}-work` }, { client: counting }).run(
              enqueueAndWait,
              queue,
              entry,
            ) as Promise<TaskOutcome>,
        ),
      );
      await client.workflow.getHandle(queue.workflowId).terminate('test finished');

      expect(outcomes.map((outcome) => outcome.state)).toEqual(['landed', 'landed', 'landed']);
      expect(new Set(outcomes.map((outcome) => outcome.state === 'landed' && outcome.commit)).size).toBe(3);
      expect(taskTrailers(source, targetBranch).sort()).toEqual(['a', 'b', 'c']);
      // Nobody asked on its own; while all three waited, one query asked about all three.
      expect(asked.filter((query) => query.type !== 'taskStates')).toEqual([]);
      expect(Math.max(...asked.map((query) => query.requests))).toBe(3);
      // The last to land was asked about alone once the others had their outcome.
      expect(asked[asked.length - 1].requests).toBe(1);
    });
  } finally {
    removeDir(root);
  }
}, 120_000);
