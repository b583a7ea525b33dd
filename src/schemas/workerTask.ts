import { z } from 'zod';
import { CycleScope } from './cycleScope';
import { PlannedTask } from './task';
import { upgradeWorkerTaskInput } from './v1Inputs';

const WorkerTaskInputV2 = z.object({
  scope: CycleScope,
  taskId: z.string().regex(/^[A-Za-z0-9._-]+$/),
  plannerId: z.string(),
  task: PlannedTask,
  steering: z.array(z.string()),
});
export const WorkerTaskInput = z.preprocess(upgradeWorkerTaskInput, WorkerTaskInputV2);
export type WorkerTaskInput = z.infer<typeof WorkerTaskInputV2>;
