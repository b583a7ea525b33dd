import { z } from 'zod';
import { ModelRef } from '../schemas/modelRef';
import type { Usage } from '../schemas/usage';

/** List prices of one model in USD per million tokens. */
export const ModelPrice = z
  .object({
    inputPerMTok: z.number().nonnegative(),
    /** Input tokens served from the provider's prompt cache. */
    cachedInputPerMTok: z.number().nonnegative(),
    outputPerMTok: z.number().nonnegative(),
  })
  .strict();
export type ModelPrice = z.infer<typeof ModelPrice>;

/** Keyed by the full model reference (`openai:gpt-5`), because the same name may be served by several providers. */
export const PriceTable = z.record(ModelRef, ModelPrice);
export type PriceTable = z.infer<typeof PriceTable>;

/**
 * Built-in defaults: public list prices when this table was written. Prices change and discounts differ per
 * account, so users override or extend them with their own table (see `mergePriceTable`). Anthropic cache
 * writes are billed here at the plain input rate, which slightly under-counts the first call of a conversation.
 */
export const defaultPriceTable: Readonly<PriceTable> = Object.freeze({
  'openai:gpt-5.2': { inputPerMTok: 1.75, cachedInputPerMTok: 0.175, outputPerMTok: 14 },
  'openai:gpt-5.1': { inputPerMTok: 1.25, cachedInputPerMTok: 0.125, outputPerMTok: 10 },
  'openai:gpt-5.1-codex': { inputPerMTok: 1.25, cachedInputPerMTok: 0.125, outputPerMTok: 10 },
  'openai:gpt-5': { inputPerMTok: 1.25, cachedInputPerMTok: 0.125, outputPerMTok: 10 },
  'openai:gpt-5-codex': { inputPerMTok: 1.25, cachedInputPerMTok: 0.125, outputPerMTok: 10 },
  'openai:gpt-5-mini': { inputPerMTok: 0.25, cachedInputPerMTok: 0.025, outputPerMTok: 2 },
  'openai:gpt-5-nano': { inputPerMTok: 0.05, cachedInputPerMTok: 0.005, outputPerMTok: 0.4 },
  'openai:gpt-4.1': { inputPerMTok: 2, cachedInputPerMTok: 0.5, outputPerMTok: 8 },
  'openai:gpt-4.1-mini': { inputPerMTok: 0.4, cachedInputPerMTok: 0.1, outputPerMTok: 1.6 },
  'openai:gpt-4.1-nano': { inputPerMTok: 0.1, cachedInputPerMTok: 0.025, outputPerMTok: 0.4 },
  'openai:gpt-4o': { inputPerMTok: 2.5, cachedInputPerMTok: 1.25, outputPerMTok: 10 },
  'openai:gpt-4o-mini': { inputPerMTok: 0.15, cachedInputPerMTok: 0.075, outputPerMTok: 0.6 },
  'openai:o3': { inputPerMTok: 2, cachedInputPerMTok: 0.5, outputPerMTok: 8 },
  'openai:o4-mini': { inputPerMTok: 1.1, cachedInputPerMTok: 0.275, outputPerMTok: 4.4 },
  'anthropic:claude-opus-4-5': { inputPerMTok: 5, cachedInputPerMTok: 0.5, outputPerMTok: 25 },
  'anthropic:claude-opus-4-1': { inputPerMTok: 15, cachedInputPerMTok: 1.5, outputPerMTok: 75 },
  'anthropic:claude-opus-4-0': { inputPerMTok: 15, cachedInputPerMTok: 1.5, outputPerMTok: 75 },
  'anthropic:claude-opus-4': { inputPerMTok: 15, cachedInputPerMTok: 1.5, outputPerMTok: 75 },
  'anthropic:claude-sonnet-4-5': { inputPerMTok: 3, cachedInputPerMTok: 0.3, outputPerMTok: 15 },
  'anthropic:claude-sonnet-4-0': { inputPerMTok: 3, cachedInputPerMTok: 0.3, outputPerMTok: 15 },
  'anthropic:claude-sonnet-4': { inputPerMTok: 3, cachedInputPerMTok: 0.3, outputPerMTok: 15 },
  'anthropic:claude-3-7-sonnet': { inputPerMTok: 3, cachedInputPerMTok: 0.3, outputPerMTok: 15 },
  'anthropic:claude-haiku-4-5': { inputPerMTok: 1, cachedInputPerMTok: 0.1, outputPerMTok: 5 },
  'anthropic:claude-3-5-haiku': { inputPerMTok: 0.8, cachedInputPerMTok: 0.08, outputPerMTok: 4 },
});

/**
 * Returns `base` with the user's entries on top. `userTable` is untrusted config (parsed JSON), so it is
 * validated here; a bad entry is an error that names it rather than a silently wrong bill.
 */
export function mergePriceTable(userTable: unknown, base: Readonly<PriceTable> = defaultPriceTable): PriceTable {
  const parsed = PriceTable.safeParse(userTable ?? {});
  if (!parsed.success) {
    throw new Error(
      `Invalid price table (expected {"provider:model": {inputPerMTok, cachedInputPerMTok, outputPerMTok}}):\n` +
        z.prettifyError(parsed.error),
    );
  }
  return { ...base, ...parsed.data };
}

/** Snapshot and alias suffixes that providers put on a model name without changing its price. */
const versionSuffixes = [/-\d{4}-\d{2}-\d{2}$/, /-\d{8}$/, /-latest$/];

/**
 * Finds the price of `ref`: an exact entry first, then the entry for the same model without a dated or
 * `-latest` suffix (`claude-sonnet-4-5-20250929` costs what `claude-sonnet-4-5` costs). Deliberately no
 * looser prefix match: `gpt-5-pro` must not be billed as `gpt-5`.
 */
export function lookupPrice(table: Readonly<PriceTable>, ref: string): ModelPrice | undefined {
  const exact = table[ref];
  if (exact) return exact;
  for (const suffix of versionSuffixes) {
    if (suffix.test(ref)) {
      const undated = table[ref.replace(suffix, '')];
      if (undated) return undated;
    }
  }
  return undefined;
}

export interface TokenCounts {
  /** All input tokens of the call, cached ones included. */
  inputTokens: number;
  /** The part of `inputTokens` read from the prompt cache. */
  cachedInputTokens: number;
  outputTokens: number;
}

export interface CostEstimate {
  costUsd: number;
  /** False when the model is not in the table: the cost is then 0 and `warning` says what to do. */
  priced: boolean;
  warning?: string;
}

/**
 * Cost of one call, rounded to micro-dollars. Tokens times USD-per-million is exactly micro-dollars, so
 * rounding that product once keeps every later sum exact.
 */
export function costOf(table: Readonly<PriceTable>, ref: string, tokens: TokenCounts): CostEstimate {
  const price = lookupPrice(table, ref);
  if (!price) {
    return {
      costUsd: 0,
      priced: false,
      warning: `No price for model "${ref}": its cost is counted as 0 and cost limits cannot see it. Add it to the price table.`,
    };
  }
  const cached = Math.min(tokens.cachedInputTokens, tokens.inputTokens);
  const microUsd = Math.round(
    (tokens.inputTokens - cached) * price.inputPerMTok + cached * price.cachedInputPerMTok + tokens.outputTokens * price.outputPerMTok,
  );
  return { costUsd: microUsd / 1e6, priced: true };
}

/** The `Usage` of one call with its cost; `warning` is set when the model has no price. */
export function usageOfCall(table: Readonly<PriceTable>, ref: string, tokens: TokenCounts): { usage: Usage; warning?: string } {
  const cost = costOf(table, ref, tokens);
  const usage: Usage = {
    calls: 1,
    inputTokens: tokens.inputTokens,
    cachedInputTokens: Math.min(tokens.cachedInputTokens, tokens.inputTokens),
    outputTokens: tokens.outputTokens,
    costUsd: cost.costUsd,
  };
  return cost.warning === undefined ? { usage } : { usage, warning: cost.warning };
}

const warned = new Set<string>();

/** Default sink for price warnings: once per distinct message per process, so a long run is not flooded. */
export function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  console.warn(message);
}
