import { z } from 'zod';
import { OfferedTask } from './claims';
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
  /** Planners that grant by claims: the head of the queue, offered for slots task by task. */
  offered: z.array(OfferedTask).max(50).optional(),
  /** With `offered`: the tasks started on a named grant that have not ended (their claims are held). */
  running: z.array(z.string()).max(1_000).optional(),
  /** Planners that take lined-up tasks (`next` in a grant): how many of those it started or gave back. */
  lineUpSettled: z.number().int().nonnegative().optional(),
  /** Parked tasks a worker is fixing after a bounce: they run outside this planner's slots, and count against the project's. */
  fixing: z.number().int().nonnegative().optional(),
});
export type PlannerReport = z.infer<typeof PlannerReport>;
