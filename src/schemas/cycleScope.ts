import { z } from 'zod';
import { PreviousVerdict } from './cycle';
import { ProjectSettings } from './projectSettings';

/**
 * Everything one cycle works within: the project's settings, the commit the cycle started from and
 * the verdict it follows. Built once by the cycle and passed whole to every planner and activity of
 * the cycle, so a setting added to the project reaches all of them without being copied by hand.
 */
export const CycleScope = z.object({
  /** The project workflow's id, which planners report to (by id, so it survives continue-as-new). */
  projectWorkflowId: z.string().min(1),
  cycle: z.number().int().positive(),
  /** The target head when the cycle began; a retried task looks for earlier attempts only after it. */
  baseCommit: z.string().min(1),
  settings: ProjectSettings,
  previousVerdict: PreviousVerdict.optional(),
});
export type CycleScope = z.infer<typeof CycleScope>;
