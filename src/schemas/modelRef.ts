import { z } from 'zod';

/** A model is named `provider:model`, e.g. `openai:gpt-5.2` or `anthropic:claude-opus-4-5`. */
export const providerNames = ['openai', 'anthropic'] as const;
export const ProviderName = z.enum(providerNames);
export type ProviderName = z.infer<typeof ProviderName>;

export const ModelRef = z.string().regex(/^(openai|anthropic):\S+$/, 'must look like "openai:<model>" or "anthropic:<model>"');
export type ModelRef = z.infer<typeof ModelRef>;

export function parseModelRef(ref: ModelRef): { provider: ProviderName; model: string } {
  const at = ref.indexOf(':');
  return { provider: ProviderName.parse(ref.slice(0, at)), model: ref.slice(at + 1) };
}

export const ModelsByRole = z.object({
  planner: ModelRef.optional(),
  worker: ModelRef.optional(),
  judge: ModelRef.optional(),
});
export type ModelsByRole = z.infer<typeof ModelsByRole>;

export const ResolvedModels = z.object({ planner: ModelRef, worker: ModelRef, judge: ModelRef });
export type ResolvedModels = z.infer<typeof ResolvedModels>;
