import { z } from 'zod';
import { CycleScope } from './cycleScope';
import { upgradeJudgeInput } from './v1Inputs';
import { Verdict } from './verdict';

const JudgeInputV2 = z.object({
  scope: CycleScope,
  steering: z.array(z.string()),
  /** The root planner's own account of the cycle: orientation for the judge, never evidence. */
  plannerSummary: z.string().max(4_000),
  tasksDone: z.number().int().nonnegative(),
  tasksFailed: z.number().int().nonnegative(),
});
export const JudgeInput = z.preprocess(upgradeJudgeInput, JudgeInputV2);
export type JudgeInput = z.infer<typeof JudgeInputV2>;

export const JudgeResult = Verdict.extend({ headCommit: z.string().min(1) });
export type JudgeResult = z.infer<typeof JudgeResult>;
