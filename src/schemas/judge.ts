import { z } from 'zod';
import { EarlierVerdict } from './cycle';
import { CycleScope } from './cycleScope';
import { TaskOutcome } from './task';
import { TestCounts } from './testCounts';
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
  /** The previous judge's counts at its head; used when that head is this cycle's base, saving a test run. */
  baseTestCounts: TestCounts.optional(),
});
export const JudgeInput = z.preprocess(upgradeJudgeInput, JudgeInputV2);
export type JudgeInput = z.infer<typeof JudgeInputV2>;

/** What the harness itself established, beside the judge's verdict. */
export const JudgeEvidenceSummary = z.object({
  /** Absent when the project has no test command. */
  testsPassed: z.boolean().optional(),
  /** Counts at the head, when the runner reported them: the next cycle's `baseTestCounts`. */
  testCounts: TestCounts.optional(),
  /** Kept small: the workflows keep verdicts (with this) across cycles. */
  tamperFlags: z.array(z.string().max(300)).max(20),
  /** The judge said `done` while the tests failed, twice; the verdict was turned into `continue`. */
  doneOverruled: z.boolean(),
});
export type JudgeEvidenceSummary = z.infer<typeof JudgeEvidenceSummary>;

export const JudgeResult = Verdict.extend({ headCommit: z.string().min(1), evidence: JudgeEvidenceSummary.optional() });
export type JudgeResult = z.infer<typeof JudgeResult>;
