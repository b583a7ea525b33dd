import type { TaskCounts } from '../../schemas/status';

/** Short human numbers: 950, 12.3k, 4.56M. */
export function formatCount(n: number): string {
  if (n < 1_000) return String(n);
  if (n < 1_000_000) return `${trimZeros((n / 1_000).toFixed(n < 10_000 ? 2 : 1))}k`;
  return `${trimZeros((n / 1_000_000).toFixed(n < 10_000_000 ? 2 : 1))}M`;
}

/** Dollars with cents, or four decimals below a dollar (early in a run costs are small). */
export function formatUsd(n: number): string {
  return `$${n < 1 ? n.toFixed(4) : n.toFixed(2)}`;
}

export function formatTasks(tasks: TaskCounts): string {
  // Parked in the merge queue: done by their workers, not yet on the target.
  const landing = tasks.landing ? ` · ${tasks.landing} landing` : '';
  return `${tasks.queued} queued · ${tasks.running} running${landing} · ${tasks.done} done · ${tasks.failed} failed${tasks.stalled ? ` (${tasks.stalled} stalled)` : ''}`;
}

/** One line of at most `max` characters. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(0, max - 1))}…`;
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}
