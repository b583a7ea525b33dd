import { log } from '@temporalio/workflow';
import type { z } from 'zod';
import { issueLines } from '../schemas/describeIssues';

/**
 * Validates a signal's payload. A signal cannot be rejected, and throwing from its handler would fail
 * the whole workflow, so a malformed one is logged and ignored (updates, which can be rejected, use
 * validators instead).
 */
export function parseSignal<S extends z.ZodType>(schema: S, raw: unknown, what: string): z.infer<S> | undefined {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  log.warn(`Ignoring a malformed ${what}`, { problems: issueLines(parsed.error, '(payload)') });
  return undefined;
}
