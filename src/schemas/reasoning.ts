import { z } from 'zod';

/**
 * How hard a role's model reasons before it answers. OpenAI reasoning models take it as
 * `reasoning_effort`; for Anthropic it sets an extended-thinking budget (`none` turns thinking off).
 */
export const ReasoningEffort = z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']);
export type ReasoningEffort = z.infer<typeof ReasoningEffort>;

/** Effort per role, each optional. */
export const ReasoningByRole = z
  .object({ planner: ReasoningEffort.optional(), worker: ReasoningEffort.optional(), judge: ReasoningEffort.optional() })
  .strict();
export type ReasoningByRole = z.infer<typeof ReasoningByRole>;
