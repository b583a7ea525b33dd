import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mergeQueueWorkflowId } from '../../src/contract/mergeQueueWorkflowId';
import { GitWorkspace } from '../../src/git/gitWorkspace';
import type { MergeQueueStatus } from '../../src/schemas/mergeQueue';
import { mergeQueueStatusQuery } from '../../src/contract/messages/mergeQueueMessages';
import { projectWorkflow } from '../../src/workflows/projectWorkflow';
import { eventually } from '../support/gate';
import { createRepo, taskTrailers, tempDir } from '../support/gitFixtures';
import { uniqueName, withLonghaulWorkers } from '../support/longhaulTestWorkers';
import { scriptedAgents } from '../support/scriptedAgents';
import { testDeps } from '../support/testDeps';
import { unconfined } from '../support/unconfined';

const tasks = 8;

function startMergeWorker(env: NodeJS.ProcessEnv, workdir: string): ChildProcess {
  return spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, '..', 'support', 'mergeQueueWorker.ts')], {
    env: { ...env, TEST_WORKDIR: workdir },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

function lines(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

test('the process running the merge queue is killed with SIGKILL mid-batch; another carries on and every task lands exactly once', async () => {
  const taskQueue = uniqueName('mqcrash');
  const repo = createRepo();
  const scratch = tempDir('mqcrash');
  const log = path.join(scratch, 'processes.log');
  // Each run records the worker process that started it ($PPID: the shell's parent), then takes a while.
  const testCommand = `echo "$PPID test-start" >> ${JSON.stringify(log)}; sleep 3`;
  const env = { ...process.env, TEST_TASK_QUEUE: taskQueue, TEST_LOG: log };
  const agents = scriptedAgents({
    plan: (req) => ({
      summary: 'plan',
      tasks: req.round === 0 ? Array.from({ length: tasks }, (_, i) => ({ title: `file ${i + 1}`, instructions: 'write it' })) : [],
      subplanners: [],
      done: req.round > 0,
    }),
    judge: () => ({ verdict: 'done', reasons: 'ok' }),
  });
  // Three machines, as far as git can tell: the worker tasks' cache and one per queue process.
  const workspace = new GitWorkspace({ sandboxes: unconfined(), workdir: path.join(scratch, 'tasks-machine') });
  const targetBranch = `longhaul/${taskQueue}`;
  let second: ChildProcess | undefined;
  try {
    const first = startMergeWorker(env, path.join(scratch, 'queue-machine-1'));
    await eventually(async () => lines(log).some((line) => line === `${first.pid} ready`), 60_000, 'first merge worker ready');
    const { result, status } = await withLonghaulWorkers(
      { taskQueue, deps: testDeps(agents, workspace), roles: ['workflow', 'plan', 'work', 'judge'], concurrency: { work: tasks } },
      async (client) => {
        const handle = await client.workflow.start(projectWorkflow, {
          taskQueue,
          workflowId: taskQueue,
          // Unconfined, as the project says: the stack tests log outside the checkout.
          args: [{ goal: 'write eight files', repo, testCommand, limits: { maxParallelWorkers: tasks }, sandbox: { enabled: false } }],
        });
        await eventually(async () => lines(log).some((line) => line === `${first.pid} test-start`), 60_000, 'a batch under test');
        first.kill('SIGKILL');
        await new Promise((resolve) => first.once('exit', resolve));
        // Nothing of the killed batch landed.
        expect(taskTrailers(repo, targetBranch)).toEqual([]);
        second = startMergeWorker(env, path.join(scratch, 'queue-machine-2'));
        const result = await handle.result();
        const queue = client.workflow.getHandle(mergeQueueWorkflowId(repo, targetBranch));
        const status: MergeQueueStatus = await queue.query(mergeQueueStatusQuery);
        await queue.terminate('test finished');
        return { result, status };
      },
    );
    expect(result).toMatchObject({ outcome: 'done', tasksDone: tasks, tasksFailed: 0 });
    const trailers = taskTrailers(repo, targetBranch);
    expect(trailers).toHaveLength(tasks);
    expect(new Set(trailers).size).toBe(tasks);
    expect(status.landed).toHaveLength(tasks);
    // The batch cut off by the kill was tested again, by the new process.
    expect(lines(log).some((line) => line === `${second?.pid} test-start`)).toBe(true);
  } finally {
    second?.kill('SIGTERM');
    if (second) await new Promise((resolve) => second?.once('exit', resolve));
  }
}, 180_000);
