import type { Limits } from '../schemas/limits';
import { totalTokens, type Usage } from '../schemas/usage';

/** What one worker task may spend over all its attempts before it must wrap up. */
export interface TaskBudget {
  maxTokens: number;
  maxCostUsd: number;
  maxMinutes: number;
}

/**
 * Applied when neither the project nor the config sets a cap: generous for a task of a few hours on
 * a strong model, but finite, so a task can no longer run four attempts of four hours unnoticed.
 */
export const defaultTaskBudget: TaskBudget = Object.freeze({ maxTokens: 20_000_000, maxCostUsd: 25, maxMinutes: 180 });

/** Share of a cap at which the agent is told to wrap up. */
const WARN_AT = 0.8;

export function taskBudgetFrom(limits: Pick<Limits, 'maxTaskTokens' | 'maxTaskCostUsd' | 'maxTaskMinutes'> | undefined): TaskBudget {
  return {
    maxTokens: limits?.maxTaskTokens ?? defaultTaskBudget.maxTokens,
    maxCostUsd: limits?.maxTaskCostUsd ?? defaultTaskBudget.maxCostUsd,
    maxMinutes: limits?.maxTaskMinutes ?? defaultTaskBudget.maxMinutes,
  };
}

export type BudgetState =
  | { kind: 'fine' }
  /** Past the warning share of at least one cap; `left` says what remains, in words. */
  | { kind: 'low'; left: string }
  /** A cap is reached; `cap` names it with the figures. */
  | { kind: 'spent'; cap: string };

export function budgetState(budget: TaskBudget, usage: Usage, elapsedMs: number): BudgetState {
  const minutes = elapsedMs / 60_000;
  const tokens = totalTokens(usage);
  const caps = [
    {
      spent: tokens / budget.maxTokens,
      name: `maxTaskTokens (${tokens} of ${budget.maxTokens} tokens)`,
      left: `${budget.maxTokens - tokens} tokens`,
    },
    {
      spent: usage.costUsd / budget.maxCostUsd,
      name: `maxTaskCostUsd ($${usage.costUsd.toFixed(2)} of $${budget.maxCostUsd})`,
      left: `$${(budget.maxCostUsd - usage.costUsd).toFixed(2)}`,
    },
    {
      spent: minutes / budget.maxMinutes,
      name: `maxTaskMinutes (${Math.round(minutes)} of ${budget.maxMinutes} minutes)`,
      left: `${Math.max(0, Math.round(budget.maxMinutes - minutes))} minutes`,
    },
  ];
  const spent = caps.find((c) => c.spent >= 1);
  if (spent) return { kind: 'spent', cap: spent.name };
  const low = caps.filter((c) => c.spent >= WARN_AT);
  if (low.length > 0) return { kind: 'low', left: low.map((c) => c.left).join(' and ') };
  return { kind: 'fine' };
}
