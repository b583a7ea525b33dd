import * as fs from 'node:fs';
import * as path from 'node:path';
import { mergeQueueWorkflowId } from '../../src/contract/mergeQueueWorkflowId';
import { rootPlannerWorkflowId } from '../../src/contract/workflowIds';
import { longhaulPhaseKey, longhaulProjectKey, longhaulRoleKey } from '../../src/contract/searchAttributes';
import { getProject } from '../../src/client/projectHandle';
import { renderStatus } from '../../src/cli/view/renderStatus';
import { GitWorkspace } from '../../src/git/gitWorkspace';
import type { MergeQueueStatus } from '../../src/schemas/mergeQueue';
import type { ProjectStatus } from '../../src/schemas/status';
import type { TaskResult } from '../../src/schemas/task';
import { mergeQueueStatusQuery } from '../../src/contract/messages/mergeQueueMessages';
import { projectWorkflow } from '../../src/workflows/projectWorkflow';
import { createRepo, git, taskTrailers, tempDir } from '../support/gitFixtures';
import { uniqueName, withLonghaulWorkers } from '../support/longhaulTestWorkers';
import { scriptedAgents, writeTaskFile } from '../support/scriptedAgents';
import { testDeps } from '../support/testDeps';

/** Fails, naming the files, when any task file says BROKEN; logs which files each run saw. */
function testCommandLogging(log: string): string {
  return (
    `ls work | tr '\\n' ' ' >> ${JSON.stringify(log)}; echo >> ${JSON.stringify(log)}; ` +
    `if grep -l BROKEN work/*.txt; then echo "tests failed: BROKEN in the files above" >&2; exit 1; fi`
  );
}

test('a batch with breaking tasks lands the others; a fixed breaker lands, one that never passes fails with the reason; status shows the queue', async () => {
  const taskQueue = uniqueName('mq');
  const repo = createRepo();
  const scratch = tempDir('mq');
  const runs = path.join(scratch, 'runs.log');
  const testCommand = testCommandLogging(runs);
  const fixOutputs = new Map<string, string[]>();
  const results: Omit<TaskResult, 'usage'>[] = [];
  const ids = new Map<string, string>();
  const titles = ['plain 1', 'breaks once', 'plain 2', 'never passes', 'plain 3', 'plain 4'];
  const agents = scriptedAgents({
    plan: (req) => {
      results.push(...req.results);
      // Done once nothing is pending, so the planner sees every result, the failure's reason included.
      const tasks = req.round === 0 ? titles.map((title) => ({ title, instructions: 'write it' })) : [];
      return { summary: 'plan', tasks, subplanners: [], done: req.round > 0 && (req.pending ?? []).length === 0 };
    },
    work: (req) => {
      ids.set(req.task.title, req.taskId);
      const outcome = writeTaskFile(req);
      if (!req.task.title.startsWith('plain')) {
        fs.writeFileSync(path.join(req.dir, 'work', `${req.taskId}.txt`), 'BROKEN\n');
      }
      return outcome;
    },
    fixTests: (req) => {
      fixOutputs.set(req.task.title, [...(fixOutputs.get(req.task.title) ?? []), req.testOutput]);
      // The one that never passes claims a fix without making one.
      if (req.task.title === 'breaks once') fs.writeFileSync(path.join(req.dir, 'work', `${req.taskId}.txt`), 'fixed\n');
      return { outcome: 'done', summary: 'fixed the tests' };
    },
    judge: () => ({ verdict: 'done', reasons: 'ok' }),
  });
  // The workers confine commands by default; the project turns its sandbox off, and the stack tests,
  // which log outside the checkout (hidden inside a sandbox), must follow the project.
  const workspace = new GitWorkspace({ workdir: path.join(scratch, 'work') });
  const targetBranch = `longhaul/${taskQueue}`;

  const { result, status, project, details, planner, attributes } = await withLonghaulWorkers(
    { taskQueue, deps: testDeps(agents, workspace), concurrency: { work: 6 } },
    async (client) => {
      const result = await client.workflow.execute(projectWorkflow, {
        taskQueue,
        workflowId: taskQueue,
        args: [{ goal: 'write six files', repo, testCommand, limits: { maxParallelWorkers: 6 }, sandbox: { enabled: false } }],
      });
      const queue = client.workflow.getHandle(mergeQueueWorkflowId(repo, targetBranch));
      const status: MergeQueueStatus = await queue.query(mergeQueueStatusQuery);
      // What `longhaul status` and the live view show: the project's answer with its queue's beside it.
      const project: ProjectStatus = await getProject(client, taskQueue).status();
      // The queue's own current details in the Web UI.
      const { currentDetails: details } = await queue.query<{ currentDetails: string }>('__temporal_workflow_metadata');
      const { typedSearchAttributes: found } = await queue.describe();
      const attributes = [longhaulProjectKey, longhaulRoleKey, longhaulPhaseKey].map((key) => found.get(key));
      await queue.terminate('test finished');
      const planner = await client.workflow.getHandle(rootPlannerWorkflowId(taskQueue, 1)).fetchHistory();
      return { result, status, project, details, planner, attributes };
    },
  );

  expect(result).toMatchObject({ outcome: 'done', tasksDone: 5, tasksFailed: 1 });
  // Every task that passed landed exactly once, the fixed breaker with its fix.
  const trailers = taskTrailers(repo, targetBranch);
  expect(trailers).toHaveLength(5);
  expect(new Set(trailers).size).toBe(5);
  expect(git(repo, 'show', `${targetBranch}:work/${ids.get('breaks once')}.txt`)).toBe('fixed');
  expect(git(repo, 'ls-tree', '--name-only', `${targetBranch}:work`)).not.toContain(`${ids.get('never passes')}.txt`);

  // The breaker went back to its worker once, with the failing output naming its file.
  expect(fixOutputs.get('breaks once')).toHaveLength(1);
  expect(fixOutputs.get('breaks once')?.[0]).toContain(`work/${ids.get('breaks once')}.txt`);
  expect(fixOutputs.get('breaks once')?.[0]).toContain('tests failed: BROKEN');
  // The other was re-queued the bounded number of times, then reported failed with the reason.
  expect(fixOutputs.get('never passes')).toHaveLength(3);
  const failed = results.find((task) => task.title === 'never passes');
  expect(failed?.status).toBe('failed');
  expect(failed?.summary).toContain('tests failed: BROKEN');
  expect(failed?.summary).toContain('bounced 4 times by the merge queue');

  // Each worker ended once its change joined the queue, giving its slot back: the planner heard every
  // outcome from the queue, and started a worker again only to fix a bounce (1 + 3 of them).
  const events = planner.events ?? [];
  const heard = events.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'queueOutcome');
  expect(heard.length).toBeGreaterThanOrEqual(6 + 4);
  const workers = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'runWorkerTask');
  expect(workers).toHaveLength(6 + 4);

  // The queue is found with its project's runs in the Web UI, in its live phase.
  expect(attributes).toEqual([taskQueue, 'merge_queue', 'idle']);

  // The queue shows what it did.
  expect(new Set(status.landed.map((entry) => entry.taskId))).toEqual(
    new Set(['plain 1', 'breaks once', 'plain 2', 'plain 3', 'plain 4'].map((title) => ids.get(title))),
  );
  expect(status.bounced).toEqual([{ taskId: ids.get('never passes'), kind: 'tests_failed' }]);
  expect(status.totals.landed).toBe(5);
  expect(status.waiting).toEqual([]);
  expect(status.lastFailure).toMatchObject({ kind: 'tests_failed', taskIds: [ids.get('never passes')] });
  expect(status.lastFailure?.reason).toContain('tests failed: BROKEN');

  // The project's status carries the queue's, for the CLI, the live view and `status --json`.
  expect(project.target).toEqual({ repo, branch: targetBranch, mergeQueue: true });
  expect(project.mergeQueue?.workflowId).toBe(mergeQueueWorkflowId(repo, targetBranch));
  expect(project.mergeQueue?.queue).toMatchObject({
    waiting: [],
    testing: [],
    totals: { landed: 5, bounced: status.totals.bounced },
    bounced: [{ taskId: ids.get('never passes'), kind: 'tests_failed' }],
  });
  expect(status.totals.bounced).toBeGreaterThanOrEqual(5);
  const screen = renderStatus(taskQueue, project).join('\n');
  expect(screen).toMatch(/queue +idle · 0 waiting · 5 landed · \d+ bounced · \d+ batches/);
  expect(screen).toContain(`bounced: ${ids.get('never passes')} (tests_failed)`);
  expect(screen).toContain(`last failure: tests_failed in ${ids.get('never passes')}`);
  expect(details).toContain('landed: 5');
  expect(details).toContain(`last failure (tests_failed, ${ids.get('never passes')})`);
  expect(details).toContain('tests failed: BROKEN');

  // Every test run saw a stack (and ran unconfined, as the project asked): the landed files plus the batch under test.
  expect(fs.readFileSync(runs, 'utf8').split('\n').filter(Boolean).length).toBeGreaterThan(0);
  // No hidden task refs are left behind for the landed tasks.
  const hidden = git(repo, 'for-each-ref', '--format=%(refname)', 'refs/longhaul/queue/');
  for (const title of ['plain 1', 'plain 2', 'plain 3', 'plain 4', 'breaks once']) expect(hidden).not.toContain(`/${ids.get(title)}-`);
}, 180_000);
