import { condition, getExternalWorkflowHandle, isCancellation, log, ParentClosePolicy, startChild } from '@temporalio/workflow';
import type { ProjectSettings } from '../schemas/projectSettings';
import { cycleWorkflow } from './cycleWorkflow';
import { describeFailure } from './describeFailure';
import type { ProjectState } from './projectState';
import { startAttributes } from '../contract/searchAttributes';

/**
 * Starts the project's next cycle as an abandoned child (so the project may continue-as-new while
 * it runs). The cycle signals its end; in this run its result is also watched, in case it ended
 * without signalling.
 */
export async function startCycle(state: ProjectState, settings: ProjectSettings): Promise<void> {
  const { n, workflowId } = state.startingCycle();
  const handle = await startChild(cycleWorkflow, {
    workflowId,
    args: [state.cycleInput(settings, n)],
    parentClosePolicy: ParentClosePolicy.ABANDON,
    staticSummary: `Cycle ${n}: ${settings.goal.slice(0, 150)}`,
    typedSearchAttributes: startAttributes(settings.searchAttributes, state.projectId, 'cycle', n),
  });
  state.activeCycleId = workflowId;
  handle.result().then(
    (summary) => {
      if (state.activeCycleId === workflowId && !state.finishedCycle) state.finishedCycle = { cycle: n, summary };
    },
    (err: unknown) => {
      if (state.activeCycleId === workflowId && !state.finishedCycle && !isCancellation(err)) {
        state.finishedCycle = { cycle: n, error: describeFailure(err) };
      }
    },
  );
}

/**
 * Passes the project's cancellation on to its running cycle by hand (the parent-close policy
 * abandons it) and waits until the cycle's tree has wound down. Call in a non-cancellable scope.
 */
export async function cancelRunningCycle(state: ProjectState, cycleId: string): Promise<void> {
  if (state.finishedCycle) return; // It ended already.
  try {
    await getExternalWorkflowHandle(cycleId).cancel();
  } catch (cancelError) {
    log.warn('Could not cancel the running cycle; it may have ended meanwhile', { cycleId, error: String(cancelError) });
    return;
  }
  // Bounded: a cycle terminated by hand would never report, and the project must still end.
  await condition(() => state.finishedCycle !== undefined, '1 hour');
}
