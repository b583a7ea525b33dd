import { isGrpcDeadlineError, QueryNotRegisteredError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';

/** True when a call ended because its deadline passed (a query or update nobody answered). */
export function isDeadlineExceeded(err: unknown): boolean {
  return err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isGrpcDeadlineError(err);
}

/** True when the workflow has not registered the query yet (a project still resolving its settings). */
export function isQueryNotRegistered(err: unknown): boolean {
  return err instanceof QueryNotRegisteredError;
}
