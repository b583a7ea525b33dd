import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { describeIssues } from './describeIssues';

/**
 * Validates input at a boundary (workflow, activity, signal, update). A bad input fails with a
 * non-retryable error naming each bad field, instead of a plain error that Temporal would retry
 * forever.
 */
export function parseInput<S extends z.ZodType>(schema: S, raw: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw ApplicationFailure.create({
    type: 'InvalidInput',
    nonRetryable: true,
    message: `Invalid ${what}: ${describeIssues(parsed.error)}`,
  });
}
