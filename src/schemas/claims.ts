import { z } from 'zod';

/** The claims the registry keeps per task, at most; more are widened to their folders. */
export const maxRegistryClaims = 10;
/** Queued tasks a planner offers the registry at a time, in its queue's order. */
export const maxOfferedTasks = 10;

const ClaimList = z.array(z.string().max(500)).max(maxRegistryClaims);

/** A queued task as its planner offers it for a worker slot: its id and the paths it claims. */
export const OfferedTask = z.object({ taskId: z.string().min(1).max(200), claims: ClaimList });
export type OfferedTask = z.infer<typeof OfferedTask>;

/** A task the registry granted a slot; its claims are held until its planner reports it ended. */
export const HeldTask = OfferedTask.extend({
  /** The planner's cumulative grant count once this grant is counted: seen by then, it has started or was given back. */
  grant: z.number().int().positive(),
});
export type HeldTask = z.infer<typeof HeldTask>;

/** When a queued task was first offered: overlapping tasks are granted in this order. */
export const WaitingSince = z.object({ taskId: z.string(), seq: z.number().int().nonnegative() });
export type WaitingSince = z.infer<typeof WaitingSince>;

/** A claim holder across the planner tree, as a planning step is told of it. */
export const ClaimedTask = z.object({
  taskId: z.string(),
  plannerId: z.string(),
  area: z.string(),
  state: z.enum(['running', 'queued']),
  claims: z.array(z.string()),
});
export type ClaimedTask = z.infer<typeof ClaimedTask>;

/** The cycle's claim registry: tasks running (holding their claims) and queued (waiting for a slot). */
export const ClaimSnapshot = z.object({ tasks: z.array(ClaimedTask) });
export type ClaimSnapshot = z.infer<typeof ClaimSnapshot>;
