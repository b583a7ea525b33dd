import { z } from 'zod';

export const Limits = z.object({
  maxCycles: z.number().int().positive(),
  maxTasks: z.number().int().positive(),
  maxTokens: z.number().int().positive().optional(),
  maxCostUsd: z.number().positive().optional(),
  /** ISO-8601 time after which no new task or cycle starts. */
  deadline: z.iso.datetime({ offset: true }).optional(),
  maxParallelWorkers: z.number().int().min(1).max(500),
  maxPlannerDepth: z.number().int().min(0).max(6),
  /** Planning rounds per planner before it must hand back its area. */
  maxPlannerRounds: z.number().int().min(1).max(50),
  /** Per worker task, over all its attempts; the agent is warned before and then wraps up. Defaults where enforced. */
  maxTaskTokens: z.number().int().positive().optional(),
  maxTaskCostUsd: z.number().positive().optional(),
  maxTaskMinutes: z.number().positive().optional(),
  /**
   * How long a model provider's outage (429, 5xx, overloaded, unreachable) is waited out before the
   * project pauses itself; agents keep waiting either way. Defaults where enforced.
   */
  outageBudgetMinutes: z.number().positive().optional(),
});
export type Limits = z.infer<typeof Limits>;

export const defaultLimits: Limits = {
  maxCycles: 20,
  maxTasks: 10_000,
  maxParallelWorkers: 8,
  maxPlannerDepth: 3,
  maxPlannerRounds: 6,
};

/** What a user may pass: every limit optional. */
export const LimitsPatch = Limits.partial().strict();
export type LimitsPatch = z.infer<typeof LimitsPatch>;
