import { z } from 'zod';
import { EarlierVerdict } from './cycle';
import { CycleScope } from './cycleScope';
import { TaskOutcome } from './task';
import { upgradeJudgeInput } from './v1Inputs';
import { Verdict } from './verdict';

const JudgeInputV2 = z.object({
  scope: CycleScope,
  steering: z.array(z.string()),
  /** The root planner's own account of the cycle: orientation for the judge, never evidence. */
  plannerSummary: z.string().max(4_000),
  tasksDone: z.number().int().nonnegative(),
  tasksFailed: z.number().int().nonnegative(),
  /** Every task of the cycle (the latest when there are many), with its outcome and summary. */
  tasks: z.array(TaskOutcome).max(60).optional(),
  earlierVerdicts: z.array(EarlierVerdict).max(5).optional(),
});
export const JudgeInput = z.preprocess(upgradeJudgeInput, JudgeInputV2);
export type JudgeInput = z.infer<typeof JudgeInputV2>;

export const JudgeResult = Verdict.extend({ headCommit: z.string().min(1) });
export type JudgeResult = z.infer<typeof JudgeResult>;
