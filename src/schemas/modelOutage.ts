import { z } from 'zod';

/**
 * What an agent's activity tells its project about the model provider: `down` once an outage has
 * outlasted the project's outage budget (the project pauses itself), `up` when a call got through again.
 */
export const ModelOutageReport = z.object({
  state: z.enum(['down', 'up']),
  /** The provider's last failure, in words (never a secret). */
  reason: z.string().max(2_000),
  /** When the outage began (ISO time). */
  since: z.iso.datetime({ offset: true }),
});
export type ModelOutageReport = z.infer<typeof ModelOutageReport>;

/** A project paused by an outage, as `status` and the carried state keep it. */
export const ModelOutage = z.object({
  reason: z.string(),
  since: z.iso.datetime({ offset: true }),
  /** Whether the outage itself paused the project (then the provider's recovery resumes it). */
  pausedByOutage: z.boolean(),
});
export type ModelOutage = z.infer<typeof ModelOutage>;

/** What happens next with a project paused for a model outage, in words. */
export function outageAction(outage: ModelOutage): string {
  return outage.pausedByOutage
    ? 'no new work starts; running agents keep waiting, and the project resumes when the provider answers again, or on `resume`'
    : 'the project stays paused until `resume`';
}
