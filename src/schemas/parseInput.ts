import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';

/**
 * Validates input at a boundary (workflow, activity, signal, update). A bad input fails with a
 * non-retryable error naming each bad field, instead of a plain error that Temporal would retry
 * forever.
 */
export function parseInput<S extends z.ZodType>(schema: S, raw: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(input)'}: ${issue.message}`)
    .join('; ');
  throw ApplicationFailure.create({ type: 'InvalidInput', nonRetryable: true, message: `Invalid ${what}: ${problems}` });
}
