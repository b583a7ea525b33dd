import { z } from 'zod';
import { ModelRef } from '../schemas/modelRef';

/**
 * What an agent loop must know about a model to keep a long conversation going: how many tokens
 * one request may hold in all (prompt plus answer), how many tokens to allow for one answer
 * (reasoning or thinking included), and whether it takes a reasoning effort at all (a model that
 * does not refuses the parameter).
 */
export const ModelProfile = z
  .object({
    contextWindow: z.number().int().min(4_096),
    maxOutputTokens: z.number().int().min(1_024),
    reasoning: z.boolean().optional(),
  })
  .strict()
  .refine((p) => p.maxOutputTokens < p.contextWindow, { message: 'maxOutputTokens must be smaller than contextWindow' });
export type ModelProfile = z.infer<typeof ModelProfile>;

/** Keyed by `provider:model`, like the price table; config entries override or extend the built-in one. */
export const ModelProfileTable = z.record(ModelRef, ModelProfile);
export type ModelProfileTable = z.infer<typeof ModelProfileTable>;

/**
 * Published context windows; output limits are what longhaul asks for per answer, at most the model's
 * own maximum, and large enough for reasoning plus a sizeable file write.
 */
export const defaultModelProfiles: Readonly<ModelProfileTable> = Object.freeze({
  'openai:gpt-5.2': { contextWindow: 400_000, maxOutputTokens: 64_000, reasoning: true },
  'openai:gpt-5.1': { contextWindow: 400_000, maxOutputTokens: 64_000, reasoning: true },
  'openai:gpt-5.1-codex': { contextWindow: 400_000, maxOutputTokens: 64_000, reasoning: true },
  'openai:gpt-5': { contextWindow: 400_000, maxOutputTokens: 64_000, reasoning: true },
  'openai:gpt-5-codex': { contextWindow: 400_000, maxOutputTokens: 64_000, reasoning: true },
  'openai:gpt-5-mini': { contextWindow: 400_000, maxOutputTokens: 64_000, reasoning: true },
  'openai:gpt-5-nano': { contextWindow: 400_000, maxOutputTokens: 64_000, reasoning: true },
  'openai:gpt-4.1': { contextWindow: 1_047_576, maxOutputTokens: 32_768 },
  'openai:gpt-4.1-mini': { contextWindow: 1_047_576, maxOutputTokens: 32_768 },
  'openai:gpt-4o': { contextWindow: 128_000, maxOutputTokens: 16_384 },
  'openai:o3': { contextWindow: 200_000, maxOutputTokens: 64_000, reasoning: true },
  'openai:o4-mini': { contextWindow: 200_000, maxOutputTokens: 64_000, reasoning: true },
  'anthropic:claude-opus-4-5': { contextWindow: 200_000, maxOutputTokens: 64_000, reasoning: true },
  'anthropic:claude-sonnet-4-5': { contextWindow: 200_000, maxOutputTokens: 64_000, reasoning: true },
  'anthropic:claude-haiku-4-5': { contextWindow: 200_000, maxOutputTokens: 64_000, reasoning: true },
  'anthropic:claude-opus-4-1': { contextWindow: 200_000, maxOutputTokens: 32_000, reasoning: true },
  'anthropic:claude-sonnet-4': { contextWindow: 200_000, maxOutputTokens: 64_000, reasoning: true },
});

/**
 * For a model in no table: a window most current models have, a modest answer size, and no
 * reasoning parameter (OpenAI-compatible servers and older models may refuse it).
 */
export const fallbackModelProfile: ModelProfile = Object.freeze({ contextWindow: 128_000, maxOutputTokens: 16_384 });

/** A dated or `-latest` model name has the profile of its undated name. */
const versionSuffix = /(-\d{8}|-\d{4}-\d{2}-\d{2}|-latest)$/;

export function lookupModelProfile(table: Readonly<ModelProfileTable>, ref: string): ModelProfile {
  return table[ref] ?? table[ref.replace(versionSuffix, '')] ?? fallbackModelProfile;
}
