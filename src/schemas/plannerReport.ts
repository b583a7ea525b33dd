import { z } from 'zod';
import { PlannerNode } from './status';
import { Usage } from './usage';

/**
 * A planner's own state, sent to the project whenever it changes. Counters are cumulative so a
 * repeated or reordered report never double-counts.
 */
export const PlannerReport = PlannerNode.extend({
  cycle: z.number().int().positive(),
  /** Slots this planner could use now (queued tasks not yet covered by a grant). */
  wantSlots: z.number().int().nonnegative(),
  grantedSeen: z.number().int().nonnegative(),
  releasedTotal: z.number().int().nonnegative(),
  tasksStarted: z.number().int().nonnegative(),
  /** This planner's own plan calls and tasks, not its children's. */
  usage: Usage,
});
export type PlannerReport = z.infer<typeof PlannerReport>;
