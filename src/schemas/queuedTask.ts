import { z } from 'zod';
import { TaskOutcome as QueueTaskOutcome } from './mergeQueue';
import { TaskResult } from './task';
import { Usage } from './usage';

const Sha = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'must be a full commit sha');

/** A task's submission waiting in its target's merge queue. */
export const QueuedSubmission = z.object({
  requestId: z.string().min(1).max(100),
  ref: z.string().regex(/^refs\/longhaul\//, 'must be a hidden longhaul ref'),
  commit: Sha,
  base: Sha,
  /** Bounces of this task before this submission. */
  bounces: z.number().int().nonnegative(),
});
export type QueuedSubmission = z.infer<typeof QueuedSubmission>;

/**
 * A task whose change waits in the merge queue: its worker has ended and given its slot back, and the
 * planner holds the task until the queue's word comes. What the work cost and said is reported now.
 */
export const ParkedTask = TaskResult.omit({ status: true, commit: true }).extend({
  status: z.literal('queued'),
  submission: QueuedSubmission,
});
export type ParkedTask = z.infer<typeof ParkedTask>;

/** What a worker task activity returns: a finished task, or one parked in the merge queue. */
export const WorkerTaskOutput = z.union([TaskResult, ParkedTask]);
export type WorkerTaskOutput = z.infer<typeof WorkerTaskOutput>;

/**
 * A parked task handed to a worker again: to fix a bounce (`bounce`), or, when the queue's word is
 * overdue, to ask the queue itself. The worktree starts from the submitted commit.
 */
export const LandingResume = z.object({
  submission: QueuedSubmission,
  bounce: QueueTaskOutcome.optional(),
  /** What the task was billed for before, already counted by its planner. */
  billedBefore: Usage,
});
export type LandingResume = z.infer<typeof LandingResume>;
