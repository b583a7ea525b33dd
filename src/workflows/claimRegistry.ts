import type { ClaimedTask, OfferedTask } from '../schemas/claims';
import { firstOverlap } from '../schemas/claimPaths';
import type { LedgerEntry } from '../schemas/projectCarry';

/**
 * The cycle's claim registry, kept on the slot ledger's entries: a task gets a worker slot only when
 * its claims overlap none held by a task that was granted and has not ended, anywhere in the planner
 * tree, and none of a task that has waited longer. So overlapping tasks never run at the same time,
 * and the one that asked first goes first. Pure bookkeeping, like the ledger.
 */

/** Planners and projects that grant worker slots to named tasks by their claims carry this patch. */
export const taskClaimsPatch = 'task-claims';

/** Whether the entry's planner is granted task by task (it offers its queued tasks with their claims). */
export function grantsByClaims(entry: LedgerEntry): boolean {
  return entry.report.offered !== undefined;
}

/**
 * Takes a report into the entry's claims: tasks offered for the first time get their place in line
 * (`nextSeq`), tasks no longer offered leave the line, and held tasks the planner has seen granted
 * and no longer runs give their claims back.
 */
export function noteReport(entry: LedgerEntry, nextSeq: () => number): void {
  const { report } = entry;
  const running = new Set(report.running ?? []);
  entry.held = (entry.held ?? []).filter((h) => report.grantedSeen < h.grant || running.has(h.taskId));
  const since = new Map((entry.waiting ?? []).map((w) => [w.taskId, w.seq]));
  const held = new Set(entry.held.map((h) => h.taskId));
  entry.waiting = (report.offered ?? [])
    .filter((o) => !held.has(o.taskId))
    .map((o) => ({ taskId: o.taskId, seq: since.get(o.taskId) ?? nextSeq() }));
}

/** Offered tasks not granted yet (a report may cross a grant on its way). */
export function waitingTasks(entry: LedgerEntry): OfferedTask[] {
  if (entry.report.state === 'done') return [];
  const held = new Set((entry.held ?? []).map((h) => h.taskId));
  return (entry.report.offered ?? []).filter((o) => !held.has(o.taskId));
}

/**
 * The waiting tasks that may start now: their claims overlap no held claim and no claim of a task
 * that waits longer (granted or not this time), so none of them overlap each other either.
 */
export function startableTasks(entries: readonly LedgerEntry[]): Set<string> {
  const live = entries.filter((e) => e.report.state !== 'done');
  const held = live.flatMap((e) => e.held ?? []).map((h) => h.claims);
  const waiting = live
    .filter(grantsByClaims)
    .flatMap((e) => {
      const since = new Map((e.waiting ?? []).map((w) => [w.taskId, w.seq]));
      return waitingTasks(e).map((task) => ({ task, seq: since.get(task.taskId) ?? Number.MAX_SAFE_INTEGER }));
    })
    .sort((a, b) => a.seq - b.seq);
  const startable = new Set<string>();
  const ahead: string[][] = [];
  for (const { task } of waiting) {
    const blocked = held.some((claims) => firstOverlap(task.claims, claims)) || ahead.some((claims) => firstOverlap(task.claims, claims));
    if (!blocked) startable.add(task.taskId);
    ahead.push(task.claims);
  }
  return startable;
}

/** Records that `task` was granted a slot (the entry's `granted` already counts it). */
export function holdTask(entry: LedgerEntry, task: OfferedTask): void {
  (entry.held ??= []).push({ ...task, grant: entry.granted });
  entry.waiting = (entry.waiting ?? []).filter((w) => w.taskId !== task.taskId);
}

/** Every claim holder and waiter of the cycle, for planning steps. */
export function claimSnapshot(entries: readonly LedgerEntry[]): ClaimedTask[] {
  return entries
    .filter((e) => e.report.state !== 'done')
    .flatMap((e) => {
      const where = { plannerId: e.report.workflowId, area: e.report.area };
      return [
        ...(e.held ?? []).map((h) => ({ ...where, taskId: h.taskId, state: 'running' as const, claims: h.claims })),
        ...waitingTasks(e).map((w) => ({ ...where, taskId: w.taskId, state: 'queued' as const, claims: w.claims })),
      ];
    });
}
