import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { MergeQueueStatus, QueueEntry, QueueOutcomeNotice, TaskState, TaskStateRequest } from '../../schemas/mergeQueue';

/** A task ready to land joins the queue (signal-with-start brings an idle queue back). */
export const enqueueSignal = defineSignal<[QueueEntry]>('enqueue');

/** What the queue holds: waiting, testing, recently landed and bounced, with task ids. */
export const mergeQueueStatusQuery = defineQuery<MergeQueueStatus>('status');

/** Where one submission stands; its worker polls this while it waits. */
export const taskStateQuery = defineQuery<TaskState, [TaskStateRequest]>('taskState');

/**
 * Where many submissions stand, in the order asked: a machine's waiting tasks share one query per tick
 * instead of asking one by one.
 */
export const taskStatesQuery = defineQuery<TaskState[], [TaskStateRequest[]]>('taskStates');

/** The queue to the planner that holds a parked task (`QueueEntry.owner`): it landed, had nothing to land, or bounced. */
export const queueOutcomeSignal = defineSignal<[QueueOutcomeNotice]>('queueOutcome');
