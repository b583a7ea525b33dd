import { z } from 'zod';
import { ResolvedModels } from './modelRef';
import { PreviousVerdict } from './cycle';
import { SubtreeTotals } from './subtreeTotals';

export const PlannerInput = z.object({
  projectWorkflowId: z.string().min(1),
  projectId: z.string().min(1),
  cycle: z.number().int().positive(),
  parentId: z.string().optional(),
  /** Short, branch-safe position in the tree (`p0`, `p0.2`, `p0.2.1`), used in task ids. */
  path: z.string().regex(/^p\d+(\.\d+)*$/),
  depth: z.number().int().nonnegative(),
  goal: z.string().min(1),
  area: z.string().min(1),
  areaGoal: z.string().min(1),
  repo: z.string().min(1),
  baseCommit: z.string().min(1),
  targetBranch: z.string().min(1),
  testCommand: z.string().optional(),
  models: ResolvedModels,
  maxPlannerDepth: z.number().int().nonnegative(),
  maxPlannerRounds: z.number().int().positive(),
  steering: z.array(z.string()),
  previousVerdict: PreviousVerdict.optional(),
  paused: z.boolean(),
  searchAttributes: z.boolean(),
  heartbeatTimeoutSeconds: z.number().int().min(2).max(3_600),
});
export type PlannerInput = z.infer<typeof PlannerInput>;

/** A planner's subtree, rolled up for its parent. */
export const PlannerSummary = SubtreeTotals.extend({
  workflowId: z.string(),
  area: z.string(),
  summary: z.string().max(4_000),
  rounds: z.number().int().nonnegative(),
});
export type PlannerSummary = z.infer<typeof PlannerSummary>;
