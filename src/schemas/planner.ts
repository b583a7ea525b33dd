import { z } from 'zod';
import { CycleScope } from './cycleScope';
import { SubtreeTotals } from './subtreeTotals';
import { TaskOutcome } from './task';
import { upgradePlannerInput } from './v1Inputs';

/** What a planner workflow is started with: its place in the tree, inside its cycle's scope. */
const PlannerInputV2 = z.object({
  scope: CycleScope,
  parentId: z.string().optional(),
  /** Short, branch-safe position in the tree (`p0`, `p0.2`, `p0.2.1`), used in task ids. */
  path: z.string().regex(/^p\d+(\.\d+)*$/),
  depth: z.number().int().nonnegative(),
  area: z.string().min(1),
  areaGoal: z.string().min(1),
  steering: z.array(z.string()),
  paused: z.boolean(),
});

/** Also accepts the flat input planners were started with before the scope existed (running cycles). */
export const PlannerInput = z.preprocess(upgradePlannerInput, PlannerInputV2);
export type PlannerInput = z.infer<typeof PlannerInputV2>;

/** A planner's subtree, rolled up for its parent. */
export const PlannerSummary = SubtreeTotals.extend({
  workflowId: z.string(),
  area: z.string(),
  summary: z.string().max(4_000),
  rounds: z.number().int().nonnegative(),
  /** The subtree's most recent finished tasks, for the judge. */
  tasks: z.array(TaskOutcome).max(60).optional(),
});
export type PlannerSummary = z.infer<typeof PlannerSummary>;
