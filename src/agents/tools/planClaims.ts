import type { ClaimedTask } from '../../schemas/claims';
import { ClaimPathError, describeClaim, firstOverlap, normaliseClaims } from '../../schemas/claimPaths';
import type { PlannedTask } from '../../schemas/task';

/**
 * What is wrong with a plan's claims, for the model to fix: paths that do not normalise, tasks of
 * the plan that overlap each other, and tasks overlapping a task queued or running anywhere in the
 * planner tree (`holders`) unless the task chose to wait for it. Each problem names the other task.
 */
export function claimProblems(
  tasks: readonly PlannedTask[],
  holders: readonly ClaimedTask[] | undefined,
  cancelled: readonly string[] = [],
): string[] {
  const problems: string[] = [];
  const planned: { title: string; claims: string[] }[] = [];
  const others = (holders ?? []).filter((h) => !cancelled.includes(h.taskId));
  for (const task of tasks) {
    let claims: string[];
    try {
      claims = normaliseClaims(task.files ?? []);
    } catch (err) {
      if (!(err instanceof ClaimPathError)) throw err;
      problems.push(`task "${task.title}": ${err.message}`);
      continue;
    }
    for (const earlier of planned) {
      const pair = firstOverlap(claims, earlier.claims);
      if (pair)
        problems.push(
          `"${task.title}" claims ${describeClaim(pair[0])}, which overlaps ${describeClaim(pair[1])} of "${earlier.title}" in this plan`,
        );
    }
    planned.push({ title: task.title, claims });
    if (task.waitForClaims) continue;
    for (const holder of others) {
      const pair = firstOverlap(claims, holder.claims);
      if (pair) {
        problems.push(
          `"${task.title}" claims ${describeClaim(pair[0])}, which overlaps ${describeClaim(pair[1])} held by task ${holder.taskId} ` +
            `(${holder.state}, area "${holder.area}")`,
        );
      }
    }
  }
  return problems;
}
