import { totalTokens } from '../../schemas/usage';
import type { MergeQueueStatus } from '../../schemas/mergeQueue';
import type { ProjectStatus } from '../../schemas/status';
import { formatCount, formatUsd, oneLine } from './formatting';
import { mergeQueueSummary } from './mergeQueueLines';

/**
 * The lines a non-interactive watcher prints when the status moves on: one when the phase, cycle, task
 * counts, planners or flags change, one per new verdict, one when a limit is reached. Token and cost
 * changes alone print nothing (they would print every second). The merge queue gets a line when its counts
 * move and one per new failure.
 */
export function changeLines(previous: ProjectStatus | undefined, next: ProjectStatus, time: Date = new Date()): string[] {
  const stamp = time.toISOString().slice(11, 19);
  const lines: string[] = [];
  if (!previous || progressKey(previous) !== progressKey(next)) {
    const flags = [next.paused ? 'paused' : '', next.stopRequested ? 'stop requested' : ''].filter(Boolean).join(', ');
    const t = next.tasks;
    lines.push(
      `${stamp} cycle ${next.cycle} ${next.phase}${flags ? ` (${flags})` : ''} · tasks ${t.queued} queued, ${t.running} running, ${t.landing ? `${t.landing} landing, ` : ''}${t.done} done, ${t.failed} failed` +
        ` · project ${next.totals.done} done, ${next.totals.failed} failed · planners ${next.planners.length}` +
        ` · ${formatCount(totalTokens(next.usage))} tokens, ${formatUsd(next.usage.costUsd)}`,
    );
  }
  const verdict = next.lastVerdict;
  if (verdict && (previous?.lastVerdict?.cycle !== verdict.cycle || previous.lastVerdict.verdict !== verdict.verdict)) {
    lines.push(
      oneLine(
        `${stamp} verdict on cycle ${verdict.cycle}: ${verdict.verdict} — ${verdict.reasons}${verdict.nextFocus ? ` → next: ${verdict.nextFocus}` : ''}`,
        300,
      ),
    );
  }
  if (next.limitReached && previous?.limitReached !== next.limitReached) lines.push(`${stamp} limit: ${next.limitReached}`);
  const queue = next.mergeQueue?.queue;
  const before = previous?.mergeQueue?.queue;
  if (queue && (!before || queueKey(before) !== queueKey(queue))) lines.push(`${stamp} merge queue: ${mergeQueueSummary(queue)}`);
  const failure = queue?.lastFailure;
  if (failure && (before?.lastFailure?.at !== failure.at || before.lastFailure.kind !== failure.kind)) {
    lines.push(oneLine(`${stamp} merge queue failure: ${failure.kind} in ${failure.taskIds.join(', ')} — ${failure.reason}`, 300));
  }
  return lines;
}

/** What moves the queue's line: its counts, not its phase going round every batch. */
function queueKey(q: MergeQueueStatus): string {
  return [q.waiting.length, q.testing.length, q.totals.landed, q.totals.bounced, q.bisecting?.length ?? 0].join('|');
}

function progressKey(s: ProjectStatus): string {
  const t = s.tasks;
  return [
    s.phase,
    s.cycle,
    s.paused,
    s.stopRequested,
    t.queued,
    t.running,
    t.landing ?? 0,
    t.done,
    t.failed,
    s.totals.done,
    s.totals.failed,
    s.planners.length,
    s.outcome ?? '',
  ].join('|');
}
