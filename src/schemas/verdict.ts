import { z } from 'zod';
import { Usage } from './usage';

export const verdicts = ['done', 'continue', 'abandon'] as const;
export const VerdictKind = z.enum(verdicts);
export type VerdictKind = z.infer<typeof VerdictKind>;

/** The judge agent's answer (its `submit_verdict` tool arguments). */
export const VerdictProposal = z.object({
  verdict: VerdictKind,
  reasons: z.string().max(4_000),
  next_focus: z.string().max(4_000).optional(),
});
export type VerdictProposal = z.infer<typeof VerdictProposal>;

export const Verdict = z.object({
  cycle: z.number().int().positive(),
  verdict: VerdictKind,
  reasons: z.string().max(4_000),
  nextFocus: z.string().max(4_000).optional(),
  usage: Usage,
  transcriptRef: z.string().optional(),
  promptVersion: z.string().optional(),
});
export type Verdict = z.infer<typeof Verdict>;
