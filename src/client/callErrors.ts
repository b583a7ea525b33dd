import { isGrpcDeadlineError, QueryNotRegisteredError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';

/** True when a call ended because its deadline passed (a query or update nobody answered). */
export function isDeadlineExceeded(err: unknown): boolean {
  return err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isGrpcDeadlineError(err);
}

/** True when the workflow has not registered the query yet (a project still resolving its settings). */
export function isQueryNotRegistered(err: unknown): boolean {
  return err instanceof QueryNotRegisteredError;
}

/** True when the server refused a query because no worker has polled the workflow's task queue lately. */
export function isNoPoller(err: unknown): boolean {
  for (let current: unknown = err, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (/no poller seen for task queue/i.test(current.message)) return true;
  }
  return false;
}
