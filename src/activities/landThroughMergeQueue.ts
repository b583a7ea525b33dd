import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type { ConflictInfo, IntegrationResult, TaskWorktree } from '../git/workspaceContract';
import { defaultMaxRequeues, type MergeQueueSettings } from '../schemas/mergeQueue';
import type { WorkerTaskInput } from '../schemas/workerTask';
import { mergeQueueWorkflowId } from '../contract/mergeQueueWorkflowId';
import { enqueueAndWait, workflowTaskQueueOfWork } from './mergeQueueClient';

export interface QueuedLanding {
  worktree: TaskWorktree;
  input: WorkerTaskInput;
  /** The project's test command, which the queue runs on every stack. */
  testCommand: string;
  /** The worker agent, asked to resolve a conflict left in the worktree; true when resolved. */
  resolveConflict(conflict: ConflictInfo): Promise<boolean>;
  /** The worker agent, asked to take credentials out of its change; true when it says they are gone. */
  removeSecrets(secrets: { details: string }): Promise<boolean>;
  /** The worker agent, asked to fix the change after the stack's tests failed; true when it says fixed. */
  fixTests(output: string): Promise<boolean>;
  signal: AbortSignal;
}

/**
 * Lands a task through its target's merge queue: publish the task's commit, join the queue, wait.
 * A bounce goes back to the same worker agent in the same worktree (rebased onto the latest target,
 * so it sees what the queue tested), which fixes the change; then it queues again, at most
 * `maxRequeues` times before the task fails with the last reason.
 */
export async function landThroughMergeQueue(landing: QueuedLanding): Promise<IntegrationResult> {
  const { worktree, input, signal } = landing;
  const { settings: project } = input.scope;
  const options = project.mergeQueue ?? {};
  const maxRequeues = options.maxRequeues ?? defaultMaxRequeues;
  const settings: Partial<MergeQueueSettings> = {
    maxBatch: options.maxBatch,
    batchDelayMs: options.batchDelayMs,
    heartbeatTimeoutSeconds: project.heartbeatTimeoutSeconds,
  };
  const queue = {
    client: Context.current().client,
    workflowId: mergeQueueWorkflowId(project.repo, project.targetBranch),
    taskQueue: workflowTaskQueueOfWork(Context.current().info.taskQueue),
    start: {
      repo: project.repo,
      targetBranch: project.targetBranch,
      testCommand: landing.testCommand,
      setupCommand: project.setupCommand,
      sandbox: project.sandbox,
      settings,
    },
  };
  const rebase = () => worktree.rebaseOnTarget({ message: input.task.title, resolveConflict: landing.resolveConflict, signal });
  for (let bounces = 0; ; bounces++) {
    const submission = await worktree.submit({ message: input.task.title, signal, removeSecrets: landing.removeSecrets });
    if (submission.status !== 'submitted') return submission;
    const outcome = await enqueueAndWait(queue, { taskId: input.taskId, requestId: randomUUID(), ...submission });
    if (outcome.state === 'landed') {
      worktree.recordLanded(outcome.commit);
      return { status: 'integrated', commit: outcome.commit };
    }
    if (outcome.state === 'no_changes') return { status: 'no_changes' };
    if (outcome.kind === 'error') {
      throw ApplicationFailure.create({ type: 'LonghaulMergeQueueFailed', message: outcome.output, nonRetryable: true });
    }
    if (bounces >= maxRequeues) {
      return outcome.kind === 'conflict'
        ? { status: 'conflict', details: `${outcome.output}\n(bounced ${bounces + 1} times by the merge queue)`, conflictedFiles: [] }
        : { status: 'tests_failed', output: `${outcome.output}\n(bounced ${bounces + 1} times by the merge queue)` };
    }
    Context.current().log.info('Task bounced by the merge queue', { taskId: input.taskId, kind: outcome.kind, bounces: bounces + 1 });
    // A missing commit is simply submitted again; a conflict is resolved by rebasing.
    if (outcome.kind === 'missing') continue;
    const rebased = await rebase();
    if (rebased.status !== 'rebased') return rebased;
    if (outcome.kind === 'tests_failed' && !(await landing.fixTests(outcome.output))) {
      return { status: 'tests_failed', output: outcome.output };
    }
  }
}
