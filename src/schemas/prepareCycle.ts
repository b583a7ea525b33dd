import { z } from 'zod';

export const PrepareCycleInput = z.object({
  projectId: z.string().min(1),
  repo: z.string().min(1),
  baseBranch: z.string().optional(),
  targetBranch: z.string().min(1),
  cycle: z.number().int().positive(),
});
export type PrepareCycleInput = z.infer<typeof PrepareCycleInput>;

export const PreparedCycle = z.object({
  baseBranch: z.string(),
  targetBranch: z.string(),
  baseCommit: z.string(),
});
export type PreparedCycle = z.infer<typeof PreparedCycle>;
