import { defineQuery, defineSignal } from '@temporalio/workflow';
import { z } from 'zod';
import type { PlannerStatus } from '../../schemas/plannerStatus';

export const SlotGrant = z.object({
  count: z.number().int().nonnegative(),
  /** The project will grant no more slots (a limit was reached): skip what is queued and wind down. */
  closed: z.boolean(),
  reason: z.string().optional(),
  /** The queued tasks to start, one slot each (`count` of them); without it, any `count` queued tasks. */
  taskIds: z.array(z.string()).optional(),
  /**
   * Queued tasks lined up behind the named ones: each starts on the next slot of this planner that
   * frees, instead of the slot going back. So one grant serves several tasks in a row.
   */
  next: z.array(z.string()).max(100).optional(),
});
export type SlotGrant = z.infer<typeof SlotGrant>;

export const grantSlotsSignal = defineSignal<[SlotGrant]>('grantSlots');
export const plannerStatusQuery = defineQuery<PlannerStatus>('status');
