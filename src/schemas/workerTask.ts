import { z } from 'zod';
import { CycleScope } from './cycleScope';
import { Limits } from './limits';
import { ReasoningEffort } from './reasoning';
import { PlannedTask } from './task';
import { upgradeWorkerTaskInput } from './v1Inputs';

const WorkerTaskInputV2 = z.object({
  scope: CycleScope,
  taskId: z.string().regex(/^[A-Za-z0-9._-]+$/),
  plannerId: z.string(),
  task: PlannedTask,
  steering: z.array(z.string()),
  /** The project's reasoning effort for workers, overriding the worker's config. */
  reasoningEffort: ReasoningEffort.optional(),
  /** The project's per-task caps (`limits.maxTask*`); defaults apply to those left out. */
  taskLimits: Limits.pick({ maxTaskTokens: true, maxTaskCostUsd: true, maxTaskMinutes: true }).optional(),
});
export const WorkerTaskInput = z.preprocess(upgradeWorkerTaskInput, WorkerTaskInputV2);
export type WorkerTaskInput = z.infer<typeof WorkerTaskInputV2>;
