import { z } from 'zod';

/** Token usage and its cost. Rolled up per call, task, planner, cycle and project. */
export const Usage = z.object({
  calls: z.number().int().nonnegative(),
  inputTokens: z.number().int().nonnegative(),
  cachedInputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
});
export type Usage = z.infer<typeof Usage>;

export const zeroUsage: Usage = Object.freeze({
  calls: 0,
  inputTokens: 0,
  cachedInputTokens: 0,
  outputTokens: 0,
  costUsd: 0,
});

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    calls: a.calls + b.calls,
    inputTokens: a.inputTokens + b.inputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    // Rounded to micro-dollars so sums are exact and stable across replays and languages.
    costUsd: Math.round((a.costUsd + b.costUsd) * 1e6) / 1e6,
  };
}

/** What `a` has beyond `b` (a later total against an earlier one of the same run), never below zero. */
export function usageBeyond(a: Usage, b: Usage): Usage {
  return {
    calls: Math.max(0, a.calls - b.calls),
    inputTokens: Math.max(0, a.inputTokens - b.inputTokens),
    cachedInputTokens: Math.max(0, a.cachedInputTokens - b.cachedInputTokens),
    outputTokens: Math.max(0, a.outputTokens - b.outputTokens),
    costUsd: Math.max(0, Math.round((a.costUsd - b.costUsd) * 1e6) / 1e6),
  };
}

export function totalTokens(u: Usage): number {
  return u.inputTokens + u.outputTokens;
}
