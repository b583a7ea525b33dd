import type { ThinkingConfigParam } from '@anthropic-ai/sdk/resources/messages';
import type { ReasoningEffort } from '../schemas/reasoning';

/** Extended-thinking budget per effort, in tokens; thinking counts toward `max_tokens`. */
const budgetByEffort: Record<Exclude<ReasoningEffort, 'none'>, number> = {
  minimal: 1_024,
  low: 4_096,
  medium: 12_000,
  high: 24_000,
  xhigh: 48_000,
};

/** The API's minimum budget. */
const MIN_BUDGET = 1_024;
/** Output kept free for the answer itself (text and tool calls) after thinking. */
const ANSWER_RESERVE = 4_096;

/**
 * The `thinking` parameter for an effort, or undefined for none. The budget must be below
 * `max_tokens`, so it shrinks to leave room for the answer; when even the minimum does not fit,
 * thinking stays off rather than the request being refused.
 */
export function thinkingFor(effort: ReasoningEffort | undefined, maxTokens: number): ThinkingConfigParam | undefined {
  if (effort === undefined || effort === 'none') return undefined;
  const budget = Math.min(budgetByEffort[effort], maxTokens - ANSWER_RESERVE);
  if (budget < MIN_BUDGET) return undefined;
  return { type: 'enabled', budget_tokens: budget };
}
