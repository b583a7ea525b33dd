import { z } from 'zod';
import { PlannedTask } from './task';

export const WorkerTaskInput = z.object({
  projectId: z.string().min(1),
  cycle: z.number().int().positive(),
  taskId: z.string().regex(/^[A-Za-z0-9._-]+$/),
  plannerId: z.string(),
  goal: z.string(),
  task: PlannedTask,
  repo: z.string().min(1),
  targetBranch: z.string().min(1),
  /** The cycle's base commit; earlier attempts of this task are looked for only after it. */
  baseCommit: z.string().optional(),
  testCommand: z.string().optional(),
  model: z.string().min(1),
  steering: z.array(z.string()),
});
export type WorkerTaskInput = z.infer<typeof WorkerTaskInput>;
