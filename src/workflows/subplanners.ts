import { log, startChild } from '@temporalio/workflow';
import { subPlannerWorkflowId } from '../contract/workflowIds';
import type { PlanResult, SubplannerOutcome } from '../schemas/plan';
import type { PlannerInput } from '../schemas/planner';
import type { ChildPlanner, PlannerState } from './plannerState';
import type { plannerWorkflow } from './plannerWorkflow';
import { describeFailure } from './describeFailure';
import { startAttributes } from '../contract/searchAttributes';

/**
 * Starts a child planner for each sub-area a planning step proposed (none at the maximum depth, or
 * once no slots will come). Each is registered only once it exists, so relayed signals never go to
 * a child not yet started; its end is a result its parent plans on.
 */
export async function startSubplanners(state: PlannerState, plan: PlanResult, updateDetails: () => void): Promise<ChildPlanner[]> {
  const { input, slots, relay, self } = state;
  const { scope } = input;
  const { settings } = scope;
  if (input.depth >= settings.limits.maxPlannerDepth && plan.subplanners.length > 0) {
    log.warn('Planner at maximum depth proposed sub-planners; ignoring them', { count: plan.subplanners.length });
    return [];
  }
  const started: ChildPlanner[] = [];
  for (const spec of plan.subplanners) {
    if (slots.closed) break; // No slots will come: a new sub-planner would only plan for nothing.
    const workflowId = subPlannerWorkflowId(self, spec.area, new Set(state.children.map((c) => c.workflowId)));
    const given = relay.snapshot();
    const childInput: PlannerInput = {
      scope,
      parentId: self,
      path: `${input.path}.${state.children.length}`,
      depth: input.depth + 1,
      area: spec.area,
      areaGoal: spec.goal,
      ...given,
    };
    const handle = await startChild<typeof plannerWorkflow>('plannerWorkflow', {
      workflowId,
      args: [childInput],
      staticSummary: `Planner (depth ${input.depth + 1}): ${spec.area}`.slice(0, 200),
      staticDetails: spec.goal.slice(0, 2_000),
      typedSearchAttributes: startAttributes(settings.searchAttributes, settings.projectId, 'planner', scope.cycle),
    });
    const child: ChildPlanner = { workflowId, area: spec.area };
    state.children.push(child);
    started.push(child);
    relay.catchUp(workflowId, given);
    handle
      .result()
      .then(
        (summary) => void (child.result = summary),
        (err: unknown) => void (child.failure = describeFailure(err)),
      )
      .finally(() => {
        state.childFinished(outcomeOf(child));
        state.changed();
        updateDetails();
      });
  }
  return started;
}

export function outcomeOf(child: ChildPlanner): SubplannerOutcome {
  return {
    area: child.area,
    workflowId: child.workflowId,
    summary: child.result?.summary ?? `Sub-planner failed: ${child.failure ?? 'unknown error'}`,
    tasksDone: child.result?.tasksDone ?? 0,
    tasksFailed: child.result?.tasksFailed ?? 0,
  };
}
