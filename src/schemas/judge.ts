import { z } from 'zod';
import { Verdict } from './verdict';

export const JudgeInput = z.object({
  projectId: z.string().min(1),
  cycle: z.number().int().positive(),
  goal: z.string(),
  repo: z.string().min(1),
  targetBranch: z.string().min(1),
  baseCommit: z.string().min(1),
  testCommand: z.string().optional(),
  model: z.string().min(1),
  steering: z.array(z.string()),
  /** The root planner's own account of the cycle: orientation for the judge, never evidence. */
  plannerSummary: z.string().max(4_000),
  tasksDone: z.number().int().nonnegative(),
  tasksFailed: z.number().int().nonnegative(),
});
export type JudgeInput = z.infer<typeof JudgeInput>;

export const JudgeResult = Verdict.extend({ headCommit: z.string().min(1) });
export type JudgeResult = z.infer<typeof JudgeResult>;
