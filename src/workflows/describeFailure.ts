import { rootCause } from '@temporalio/workflow';

/**
 * The message a user can act on: a failure that crossed child workflows and activities is wrapped
 * ("Child Workflow execution failed", "Activity task failed"), the root cause says what happened.
 */
export function describeFailure(err: unknown): string {
  return rootCause(err) ?? (err instanceof Error ? err.message : String(err));
}
