import { z } from 'zod';
import { ClaimedTask } from './claims';
import { ReasoningEffort } from './reasoning';
import { PlannedTask, TaskResult } from './task';
import { CycleScope } from './cycleScope';
import { Usage } from './usage';
import { upgradePlanStepInput } from './v1Inputs';

export const SubplannerSpec = z.object({
  area: z.string().trim().min(1).max(200),
  goal: z.string().trim().min(1).max(10_000),
});
export type SubplannerSpec = z.infer<typeof SubplannerSpec>;

/** The planner agent's answer (its `submit_plan` tool arguments). */
export const PlanProposal = z.object({
  summary: z.string().max(4_000),
  tasks: z.array(PlannedTask).max(30),
  subplanners: z.array(SubplannerSpec).max(20),
  done: z.boolean(),
  /** Ids of this planner's queued tasks that no longer make sense: they are dropped, never started. */
  cancel: z.array(z.string().max(200)).max(100).optional(),
});
export type PlanProposal = z.infer<typeof PlanProposal>;

/**
 * A task as the planner agent's tool takes it: every task declares the paths it will change. (Tasks
 * planned before that was required claim nothing, so `PlannedTask` keeps `files` optional.)
 */
export const ClaimingTask = PlannedTask.extend({
  files: z
    .array(z.string().max(500))
    .min(1)
    .max(100)
    .describe(
      'The files it will create or change, and folders (ending in "/") it may change anything under: its claims. ' +
        'Relative to the repository root.',
    ),
  waitForClaims: z
    .boolean()
    .optional()
    .describe(
      'true: when a claim overlaps one of a task queued or running elsewhere in the tree, wait for that task instead of being refused.',
    ),
});

/** What `submit_plan` takes: a plan whose every task declares its claims. */
export const SubmittedPlan = PlanProposal.extend({ tasks: z.array(ClaimingTask).max(30) });

/** Compact record of a finished sub-planner, fed back to its parent's next planning step. */
export const SubplannerOutcome = z.object({
  area: z.string(),
  workflowId: z.string(),
  summary: z.string().max(4_000),
  tasksDone: z.number().int().nonnegative(),
  tasksFailed: z.number().int().nonnegative(),
});
export type SubplannerOutcome = z.infer<typeof SubplannerOutcome>;

/** A task of this planner that is waiting for a slot or running while it plans again. */
export const PendingTask = z.object({
  taskId: z.string(),
  title: z.string(),
  state: z.enum(['queued', 'running']),
  /** The paths it claims, as the claim registry holds them. */
  claims: z.array(z.string()).optional(),
});
export type PendingTask = z.infer<typeof PendingTask>;

/** A task of this area that did not land, kept across planning steps so the same obstacle is seen. */
export const FailedTask = z.object({
  taskId: z.string(),
  title: z.string(),
  status: z.string(),
  /** The reason and an excerpt of the output, bounded. */
  reason: z.string().max(2_000),
});
export type FailedTask = z.infer<typeof FailedTask>;

/** What the planner agent is asked: one planning step, with the repository's view prepared for it. */
export const PlanRequest = z.object({
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
  /** The project's reasoning effort for planners, overriding the worker's config. */
  reasoningEffort: ReasoningEffort.optional(),
  steering: z.array(z.string()),
  previousVerdict: z.string().optional(),
  /** Results of this planner's tasks since its last planning step. */
  results: z.array(TaskResult.omit({ usage: true })),
  subplannerOutcomes: z.array(SubplannerOutcome),
  pending: z.array(PendingTask).optional(),
  failureRecord: z.array(FailedTask).optional(),
  /** Tasks of the whole planner tree holding or waiting for claims; absent when not checked. */
  claims: z.array(ClaimedTask).optional(),
});
export type PlanRequest = z.infer<typeof PlanRequest>;

/** One planning step of one planner, as the planner workflow schedules it. */
const PlanStepInputV2 = z.object({
  scope: CycleScope,
  plannerId: z.string(),
  area: z.string(),
  areaGoal: z.string(),
  depth: z.number().int().nonnegative(),
  round: z.number().int().nonnegative(),
  steering: z.array(z.string()),
  /** Results of this planner's tasks since its last planning step. */
  results: z.array(TaskResult.omit({ usage: true })),
  subplannerOutcomes: z.array(SubplannerOutcome),
  /** Tasks still queued or running when this step plans (a planner plans again as results arrive). */
  pending: z.array(PendingTask).max(200).optional(),
  /** Every task of this planner that failed, stalled, bounced or conflicted so far this cycle. */
  failureRecord: z.array(FailedTask).max(50).optional(),
  /** Set by planners whose tasks get slots by their claims: new tasks are checked against the cycle's claim registry. */
  checkClaims: z.boolean().optional(),
});
export const PlanStepInput = z.preprocess(upgradePlanStepInput, PlanStepInputV2);
export type PlanStepInput = z.infer<typeof PlanStepInputV2>;

export const PlanResult = PlanProposal.extend({
  usage: Usage,
  transcriptRef: z.string().optional(),
  promptVersion: z.string().optional(),
});
export type PlanResult = z.infer<typeof PlanResult>;
