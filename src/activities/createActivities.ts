import type { ActivityDeps } from './activityDeps';
import { createJudgeCycle } from './judgeCycle';
import { createLandStack, createTestStack } from './mergeQueueActivities';
import { createPlanArea } from './planArea';
import { createPreflightModel } from './preflightModel';
import { createPrepareCycle } from './prepareCycle';
import { createResolveProjectSettings } from './resolveProjectSettings';
import { createRunWorkerTask } from './runWorkerTask';

/** All of longhaul's activities, bound to their collaborators. */
export function createActivities(deps: ActivityDeps) {
  return {
    resolveProjectSettings: createResolveProjectSettings(deps.defaults),
    preflightModel: createPreflightModel(deps.checkModel),
    prepareCycle: createPrepareCycle(deps.workspace),
    planArea: createPlanArea(deps.agents, deps.workspace),
    runWorkerTask: createRunWorkerTask(deps.agents, deps.workspace, deps.transcripts),
    judgeCycle: createJudgeCycle(deps.agents, deps.workspace),
    testStack: createTestStack(deps.mergeQueue),
    landStack: createLandStack(deps.mergeQueue),
  };
}

export type LonghaulActivities = ReturnType<typeof createActivities>;

/** Which activities each role's worker registers on its task queue. */
export const activitiesByRole = {
  workflow: ['resolveProjectSettings'],
  plan: ['preflightModel', 'prepareCycle', 'planArea'],
  work: ['preflightModel', 'runWorkerTask'],
  judge: ['preflightModel', 'judgeCycle'],
  merge: ['testStack', 'landStack'],
} as const satisfies Record<string, readonly (keyof LonghaulActivities)[]>;
