import type { z } from 'zod';

/** A zod error as one line a user can act on: `path: problem; …` (`whole` names an issue with no path). */
export function describeIssues(error: z.ZodError, whole = '(input)'): string {
  return issueLines(error, whole).join('; ');
}

/** The same, one entry per problem. */
export function issueLines(error: z.ZodError, whole = '(input)'): string[] {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : whole}: ${issue.message}`);
}
