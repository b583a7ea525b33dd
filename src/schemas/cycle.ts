import { z } from 'zod';
import { ProjectSettings } from './projectSettings';
import { SubtreeTotals } from './subtreeTotals';
import { Verdict } from './verdict';

export const PreviousVerdict = z.object({
  verdict: z.string(),
  reasons: z.string(),
  nextFocus: z.string().optional(),
});
export type PreviousVerdict = z.infer<typeof PreviousVerdict>;

export const EarlierVerdict = PreviousVerdict.extend({ cycle: z.number().int().positive() });
export type EarlierVerdict = z.infer<typeof EarlierVerdict>;

export const CycleInput = z.object({
  settings: ProjectSettings,
  cycle: z.number().int().positive(),
  projectWorkflowId: z.string().min(1),
  steering: z.array(z.string()),
  previousVerdict: PreviousVerdict.optional(),
  /** The latest verdicts, oldest first, so the judge sees what earlier cycles kept failing on. */
  earlierVerdicts: z.array(EarlierVerdict).max(5).optional(),
  paused: z.boolean(),
});
export type CycleInput = z.infer<typeof CycleInput>;

export const CycleSummary = z
  .object({
    cycle: z.number().int().positive(),
    baseCommit: z.string(),
    headCommit: z.string(),
    verdict: Verdict,
  })
  .extend(SubtreeTotals.shape);
export type CycleSummary = z.infer<typeof CycleSummary>;

export const cyclePhases = ['preparing', 'planning', 'judging', 'finished'] as const;
export const CyclePhase = z.enum(cyclePhases);

export const CycleStatus = z.object({
  cycle: z.number().int().positive(),
  phase: CyclePhase,
  paused: z.boolean(),
  baseCommit: z.string().optional(),
  rootPlannerId: z.string().optional(),
  steering: z.array(z.string()),
  summary: CycleSummary.optional(),
});
export type CycleStatus = z.infer<typeof CycleStatus>;

/** How a cycle ended, as it tells the project. */
export const CycleFinished = z.object({
  cycle: z.number().int().positive(),
  summary: CycleSummary.optional(),
  error: z.string().optional(),
});
export type CycleFinished = z.infer<typeof CycleFinished>;
