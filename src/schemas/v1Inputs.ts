import { z } from 'zod';
import { PreviousVerdict } from './cycle';
import { defaultLimits } from './limits';
import { ResolvedModels } from './modelRef';
import { PlannedTask, TaskResult } from './task';

/**
 * The flat inputs of the first release, before one `CycleScope` was passed whole. Planners of a
 * running cycle were started with them, and activities scheduled before an upgrade are retried with
 * them, so each is still accepted and turned into today's shape. Fields the old input did not carry
 * get the values the old code assumed: the project workflow's id is the project id, the limits
 * other than the planner's own are defaults (nothing below the project reads them), one model
 * stands for the roles the activity does not run.
 */
const defaultHeartbeatSeconds = 60;

const LegacyPlannerInput = z.object({
  projectWorkflowId: z.string().min(1),
  projectId: z.string().min(1),
  cycle: z.number().int().positive(),
  parentId: z.string().optional(),
  path: z.string(),
  depth: z.number().int().nonnegative(),
  goal: z.string().min(1),
  area: z.string().min(1),
  areaGoal: z.string().min(1),
  repo: z.string().min(1),
  baseCommit: z.string().min(1),
  targetBranch: z.string().min(1),
  testCommand: z.string().optional(),
  models: ResolvedModels,
  maxPlannerDepth: z.number().int().nonnegative(),
  maxPlannerRounds: z.number().int().positive(),
  steering: z.array(z.string()),
  previousVerdict: PreviousVerdict.optional(),
  paused: z.boolean(),
  searchAttributes: z.boolean(),
  heartbeatTimeoutSeconds: z.number().int(),
});

interface LegacyScopeFields {
  projectId: string;
  cycle: number;
  goal: string;
  repo: string;
  baseCommit: string;
  targetBranch: string;
  testCommand?: string;
  models: z.infer<typeof ResolvedModels>;
  previousVerdict?: z.infer<typeof PreviousVerdict>;
  projectWorkflowId?: string;
  searchAttributes?: boolean;
  heartbeatTimeoutSeconds?: number;
  maxPlannerDepth?: number;
  maxPlannerRounds?: number;
}

function scopeOf(old: LegacyScopeFields) {
  return {
    projectWorkflowId: old.projectWorkflowId ?? old.projectId,
    cycle: old.cycle,
    baseCommit: old.baseCommit,
    previousVerdict: old.previousVerdict,
    settings: {
      projectId: old.projectId,
      goal: old.goal,
      repo: old.repo,
      targetBranch: old.targetBranch,
      testCommand: old.testCommand,
      models: old.models,
      limits: {
        ...defaultLimits,
        maxPlannerDepth: old.maxPlannerDepth ?? defaultLimits.maxPlannerDepth,
        maxPlannerRounds: old.maxPlannerRounds ?? defaultLimits.maxPlannerRounds,
      },
      searchAttributes: old.searchAttributes ?? false,
      heartbeatTimeoutSeconds: old.heartbeatTimeoutSeconds ?? defaultHeartbeatSeconds,
    },
  };
}

const sameModel = (model: string) => ({ planner: model, worker: model, judge: model });

const legacyPlannerInput = LegacyPlannerInput.transform((old) => ({
  scope: scopeOf(old),
  parentId: old.parentId,
  path: old.path,
  depth: old.depth,
  area: old.area,
  areaGoal: old.areaGoal,
  steering: old.steering,
  paused: old.paused,
}));

const LegacyPlanRequest = z.object({
  projectId: z.string(),
  cycle: z.number().int().positive(),
  plannerId: z.string(),
  goal: z.string(),
  area: z.string(),
  areaGoal: z.string(),
  depth: z.number().int().nonnegative(),
  canSpawnSubplanners: z.boolean(),
  round: z.number().int().nonnegative(),
  repo: z.string(),
  baseCommit: z.string(),
  model: z.string(),
  steering: z.array(z.string()),
  previousVerdict: z.string().optional(),
  results: z.array(TaskResult.omit({ usage: true })),
  subplannerOutcomes: z.array(z.unknown()),
});

/** A planning step scheduled with the flat request (it planned on the base commit). */
const legacyPlanStepInput = LegacyPlanRequest.transform((old) => {
  const [verdict, ...reasons] = (old.previousVerdict ?? '').split(': ');
  return {
    scope: scopeOf({
      ...old,
      targetBranch: `longhaul/${old.projectId}`,
      models: sameModel(old.model),
      maxPlannerDepth: old.canSpawnSubplanners ? old.depth + 1 : old.depth,
      previousVerdict: old.previousVerdict ? { verdict, reasons: reasons.join(': ') } : undefined,
    }),
    plannerId: old.plannerId,
    area: old.area,
    areaGoal: old.areaGoal,
    depth: old.depth,
    round: old.round,
    steering: old.steering,
    results: old.results,
    subplannerOutcomes: old.subplannerOutcomes,
  };
});

const LegacyWorkerTaskInput = z.object({
  projectId: z.string().min(1),
  cycle: z.number().int().positive(),
  taskId: z.string(),
  plannerId: z.string(),
  goal: z.string(),
  task: PlannedTask,
  repo: z.string().min(1),
  targetBranch: z.string().min(1),
  baseCommit: z.string().min(1),
  testCommand: z.string().optional(),
  model: z.string().min(1),
  steering: z.array(z.string()),
});

const legacyWorkerTaskInput = LegacyWorkerTaskInput.transform((old) => ({
  scope: scopeOf({ ...old, models: sameModel(old.model) }),
  taskId: old.taskId,
  plannerId: old.plannerId,
  task: old.task,
  steering: old.steering,
}));

const LegacyJudgeInput = z.object({
  projectId: z.string().min(1),
  cycle: z.number().int().positive(),
  goal: z.string(),
  repo: z.string().min(1),
  targetBranch: z.string().min(1),
  baseCommit: z.string().min(1),
  testCommand: z.string().optional(),
  model: z.string().min(1),
  steering: z.array(z.string()),
  plannerSummary: z.string(),
  tasksDone: z.number().int().nonnegative(),
  tasksFailed: z.number().int().nonnegative(),
});

const legacyJudgeInput = LegacyJudgeInput.transform((old) => ({
  scope: scopeOf({ ...old, models: sameModel(old.model) }),
  steering: old.steering,
  plannerSummary: old.plannerSummary,
  tasksDone: old.tasksDone,
  tasksFailed: old.tasksFailed,
}));

/** Upgrades an input of the old shape; anything else goes on unchanged, to be judged by today's schema. */
function upgrader(legacy: z.ZodType): (raw: unknown) => unknown {
  return (raw) => {
    const parsed = legacy.safeParse(raw);
    return parsed.success ? parsed.data : raw;
  };
}

export const upgradePlannerInput = upgrader(legacyPlannerInput);
export const upgradePlanStepInput = upgrader(legacyPlanStepInput);
export const upgradeWorkerTaskInput = upgrader(legacyWorkerTaskInput);
export const upgradeJudgeInput = upgrader(legacyJudgeInput);
