import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type { ConflictInfo, IntegrationResult, TaskWorktree } from '../git/workspaceContract';
import { defaultMaxRequeues, type MergeQueueSettings, type QueueEntry, type TaskState } from '../schemas/mergeQueue';
import type { QueuedSubmission } from '../schemas/queuedTask';
import type { WorkerTaskInput } from '../schemas/workerTask';
import { mergeQueueWorkflowId } from '../contract/mergeQueueWorkflowId';
import { startAttributes } from '../contract/searchAttributes';
import { askQueue, enqueue, enqueueAndWait, workflowTaskQueueOfWork, type QueueAddress } from './mergeQueueClient';

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

/** The task joined the queue and its planner waits for the queue's word (`WorkerTaskInput.parkInQueue`). */
export type Parked = { status: 'queued'; submission: QueuedSubmission };

/**
 * Lands a task through its target's merge queue: publish the task's commit, join the queue, and
 * either wait for the outcome here or, with `parkInQueue`, return at once so the worker's slot goes to
 * another task while the queue tests this one (the planner hears the outcome from the queue). A
 * bounce goes back to the worker agent in the task's worktree (rebased onto the latest target, so it
 * sees what the queue tested), which fixes the change; then it queues again, at most `maxRequeues`
 * times before the task fails with the last reason. A parked task comes back here with `resume`:
 * the submission and where it stands.
 */
export async function landThroughMergeQueue(
  landing: QueuedLanding,
  resume?: { submission: QueuedSubmission; outcome: TaskState },
): Promise<IntegrationResult | Parked> {
  const { worktree, input, signal } = landing;
  const { settings: project } = input.scope;
  const maxRequeues = project.mergeQueue?.maxRequeues ?? defaultMaxRequeues;
  const queue = queueOf(input, landing.testCommand);
  const rebase = () => worktree.rebaseOnTarget({ message: input.task.title, resolveConflict: landing.resolveConflict, signal });

  let bounces = resume?.submission.bounces ?? 0;
  let outcome: TaskState | undefined = resume?.outcome;
  if (resume && (outcome?.state === 'waiting' || outcome?.state === 'testing')) return { status: 'queued', submission: resume.submission };
  for (;;) {
    if (outcome === undefined || outcome.state === 'unknown') {
      // A new submission, or one the queue has no record of: the target's trailers keep it from landing twice.
      const submission = await worktree.submit({ message: input.task.title, signal, removeSecrets: landing.removeSecrets });
      if (submission.status !== 'submitted') return submission;
      const entry: QueueEntry = { taskId: input.taskId, requestId: randomUUID(), ...submission };
      if (input.parkInQueue) {
        await enqueue(queue, { ...entry, owner: { workflowId: input.plannerId, lastTry: bounces >= maxRequeues } });
        return {
          status: 'queued',
          submission: { requestId: entry.requestId, ref: entry.ref, commit: entry.commit, base: entry.base, bounces },
        };
      }
      outcome = await enqueueAndWait(queue, entry);
    }
    if (outcome.state === 'landed') {
      worktree.recordLanded(outcome.commit);
      return { status: 'integrated', commit: outcome.commit };
    }
    if (outcome.state === 'no_changes') return { status: 'no_changes' };
    if (outcome.state !== 'bounced') throw new Error(`unexpected merge queue state ${outcome.state} for task ${input.taskId}`);
    if (outcome.kind === 'error') {
      throw ApplicationFailure.create({ type: 'LonghaulMergeQueueFailed', message: outcome.output, nonRetryable: true });
    }
    if (bounces >= maxRequeues) {
      return outcome.kind === 'conflict'
        ? { status: 'conflict', details: `${outcome.output}\n(bounced ${bounces + 1} times by the merge queue)`, conflictedFiles: [] }
        : { status: 'tests_failed', output: `${outcome.output}\n(bounced ${bounces + 1} times by the merge queue)` };
    }
    bounces++;
    Context.current().log.info('Task bounced by the merge queue', { taskId: input.taskId, kind: outcome.kind, bounces });
    const bounced = outcome;
    outcome = undefined;
    // A missing commit is simply submitted again; a conflict is resolved by rebasing.
    if (bounced.kind === 'missing') continue;
    const rebased = await rebase();
    if (rebased.status !== 'rebased') return rebased;
    if (bounced.kind === 'tests_failed' && !(await landing.fixTests(bounced.output))) {
      return { status: 'tests_failed', output: bounced.output };
    }
  }
}

/** Where a parked task's submission stands, asked of the queue itself (its word to the planner is overdue). */
export function askQueueAbout(input: WorkerTaskInput, testCommand: string, submission: QueuedSubmission): Promise<TaskState> {
  return askQueue(queueOf(input, testCommand), { taskId: input.taskId, requestId: submission.requestId });
}

function queueOf(input: WorkerTaskInput, testCommand: string): QueueAddress {
  const { settings: project } = input.scope;
  const options = project.mergeQueue ?? {};
  const settings: Partial<MergeQueueSettings> = {
    maxBatch: options.maxBatch,
    batchDelayMs: options.batchDelayMs,
    heartbeatTimeoutSeconds: project.heartbeatTimeoutSeconds,
  };
  return {
    client: Context.current().client,
    workflowId: mergeQueueWorkflowId(project.repo, project.targetBranch),
    taskQueue: workflowTaskQueueOfWork(Context.current().info.taskQueue),
    start: {
      repo: project.repo,
      targetBranch: project.targetBranch,
      testCommand,
      setupCommand: project.setupCommand,
      sandbox: project.sandbox,
      settings,
      ...(project.searchAttributes ? { searchAttributes: true } : {}),
    },
    // Found beside the project's own runs in the Web UI.
    searchAttributes: startAttributes(project.searchAttributes, project.projectId, 'merge_queue'),
  };
}
