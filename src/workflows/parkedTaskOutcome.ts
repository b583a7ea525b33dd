import { defaultMaxRequeues, type TaskOutcome as QueueOutcome } from '../schemas/mergeQueue';
import type { ParkedTask } from '../schemas/queuedTask';
import type { TaskResult } from '../schemas/task';

/**
 * What the merge queue's word makes of a parked task: its result when the word ends it (landed,
 * nothing to land, an error, or a bounce past `maxRequeues`), or undefined when a worker must fix it.
 */
export function parkedTaskOutcome(
  parked: ParkedTask,
  outcome: QueueOutcome,
  maxRequeues = defaultMaxRequeues,
): Omit<TaskResult, 'usage'> | undefined {
  const { usage: _usage, submission, status: _queued, ...task } = parked;
  const bounced = `(bounced ${submission.bounces + 1} times by the merge queue)`;
  switch (outcome.state) {
    case 'landed':
      return { ...task, status: 'done', commit: outcome.commit };
    case 'no_changes':
      return { ...task, status: 'done', summary: `No changes were needed. ${task.summary}` };
    case 'bounced':
      if (outcome.kind === 'error') return { ...task, status: 'failed', summary: `Task failed: ${outcome.output}` };
      if (submission.bounces < maxRequeues) return undefined;
      if (outcome.kind === 'conflict')
        return { ...task, status: 'conflict', summary: `Could not integrate: ${outcome.output}\n${bounced}` };
      return {
        ...task,
        status: 'failed',
        summary: `The test command failed after integration:\n${outcome.output.slice(-2_000)}\n${bounced}`,
      };
  }
}
