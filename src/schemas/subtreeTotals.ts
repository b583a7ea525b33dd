import { z } from 'zod';
import { addUsage, Usage } from './usage';

/** What a planner's subtree (or a whole cycle) did and spent, summed over its planners. */
export const SubtreeTotals = z.object({
  tasksDone: z.number().int().nonnegative(),
  tasksFailed: z.number().int().nonnegative(),
  tasksSkipped: z.number().int().nonnegative(),
  commits: z.number().int().nonnegative(),
  planners: z.number().int().positive(),
  usage: Usage,
});
export type SubtreeTotals = z.infer<typeof SubtreeTotals>;

export function addSubtreeTotals(a: SubtreeTotals, b: SubtreeTotals): SubtreeTotals {
  return {
    tasksDone: a.tasksDone + b.tasksDone,
    tasksFailed: a.tasksFailed + b.tasksFailed,
    tasksSkipped: a.tasksSkipped + b.tasksSkipped,
    commits: a.commits + b.commits,
    planners: a.planners + b.planners,
    usage: addUsage(a.usage, b.usage),
  };
}

/** Just the totals of a larger record (a planner summary carries more). */
export function subtreeTotalsOf(record: SubtreeTotals): SubtreeTotals {
  const { tasksDone, tasksFailed, tasksSkipped, commits, planners, usage } = record;
  return { tasksDone, tasksFailed, tasksSkipped, commits, planners, usage };
}
