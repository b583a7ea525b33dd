import type { MergeQueueStatus } from '../../schemas/mergeQueue';
import type { ProjectMergeQueue } from '../../schemas/status';
import { oneLine } from './formatting';

/** Task ids shown per state; the count says how many there are. */
const listedIds = 8;

function ids(list: readonly string[]): string {
  return `${list.slice(0, listedIds).join(', ')}${list.length > listedIds ? `, … (${list.length})` : ''}`;
}

/** The queue's counts in one line: `testing 4 · 3 waiting · 40 landed · 2 bounced · 12 batches`. */
export function mergeQueueSummary(queue: MergeQueueStatus): string {
  const now = queue.phase === 'testing' || queue.phase === 'landing' ? `${queue.phase} ${queue.testing.length}` : queue.phase;
  const bisecting = queue.bisecting?.length ? ` · bisecting ${queue.bisecting.length} (batches of ${queue.batchSize ?? 1})` : '';
  return `${now} · ${queue.waiting.length} waiting · ${queue.totals.landed} landed · ${queue.totals.bounced} bounced · ${queue.totals.batches} batches${bisecting}`;
}

/**
 * The merge queue's part of the status screen: counts, the tasks in each state (recently landed and
 * bounced ones within the queue's retention), and the last batch that failed.
 */
export function mergeQueueLines(mergeQueue: ProjectMergeQueue, width: number): string[] {
  const { queue } = mergeQueue;
  if (!queue) return [oneLine(`${mergeQueue.problem ?? 'no answer'} (${mergeQueue.workflowId})`, width)];
  const lines = [mergeQueueSummary(queue)];
  const list = (name: string, taskIds: readonly string[]): void => {
    if (taskIds.length > 0) lines.push(oneLine(`${name}: ${ids(taskIds)}`, width));
  };
  list('testing', queue.testing);
  list('waiting', queue.waiting);
  list(
    'bounced',
    queue.bounced.map((entry) => `${entry.taskId} (${entry.kind})`),
  );
  list('landed', queue.landed.map((entry) => entry.taskId).reverse());
  if (queue.lastFailure) {
    const failure = queue.lastFailure;
    lines.push(oneLine(`last failure: ${failure.kind} in ${ids(failure.taskIds)} — ${failure.reason}`, width));
  }
  return lines;
}
