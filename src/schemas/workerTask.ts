import { z } from 'zod';
import { CycleScope } from './cycleScope';
import { LandingResume } from './queuedTask';
import { PlannedTask } from './task';
import { upgradeWorkerTaskInput } from './v1Inputs';

const WorkerTaskInputV2 = z.object({
  scope: CycleScope,
  taskId: z.string().regex(/^[A-Za-z0-9._-]+$/),
  plannerId: z.string(),
  task: PlannedTask,
  steering: z.array(z.string()),
  /** With a merge queue: end once the task joined it (the planner waits for the queue's word), not once it landed. */
  parkInQueue: z.boolean().optional(),
  /** Continues a parked task: fixes its bounce, or asks the queue where it stands. */
  landing: LandingResume.optional(),
});
export const WorkerTaskInput = z.preprocess(upgradeWorkerTaskInput, WorkerTaskInputV2);
export type WorkerTaskInput = z.infer<typeof WorkerTaskInputV2>;
