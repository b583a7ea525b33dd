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
});
export type SlotGrant = z.infer<typeof SlotGrant>;

export const grantSlotsSignal = defineSignal<[SlotGrant]>('grantSlots');
export const plannerStatusQuery = defineQuery<PlannerStatus>('status');
