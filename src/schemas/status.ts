import { z } from 'zod';
import { Limits } from './limits';
import { MergeQueueStatus } from './mergeQueue';
import { ModelOutage } from './modelOutage';
import { SandboxSettings } from './sandbox';
import { Usage } from './usage';
import { Verdict } from './verdict';

export const TaskCounts = z.object({
  queued: z.number().int().nonnegative(),
  running: z.number().int().nonnegative(),
  done: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  /** Of the failed, those whose agent was stopped for looping (absent before stalls were counted). */
  stalled: z.number().int().nonnegative().optional(),
  /** Tasks whose change waits in the merge queue with no worker on them (absent where tasks do not park there). */
  landing: z.number().int().nonnegative().optional(),
});
export type TaskCounts = z.infer<typeof TaskCounts>;

export const plannerStates = ['planning', 'working', 'waiting_children', 'paused', 'done'] as const;
export const PlannerState = z.enum(plannerStates);
export type PlannerState = z.infer<typeof PlannerState>;

/** One planner in the live tree; the tree is the list joined on `parentId`. */
export const PlannerNode = z.object({
  workflowId: z.string(),
  parentId: z.string().optional(),
  area: z.string(),
  depth: z.number().int().nonnegative(),
  state: PlannerState,
  round: z.number().int().nonnegative(),
  tasks: TaskCounts,
});
export type PlannerNode = z.infer<typeof PlannerNode>;

export const projectPhases = ['starting', 'running', 'paused', 'judging', 'between_cycles', 'finished'] as const;
export const ProjectPhase = z.enum(projectPhases);
export type ProjectPhase = z.infer<typeof ProjectPhase>;

export const projectOutcomes = ['done', 'stopped', 'limit_reached', 'abandoned'] as const;
export const ProjectOutcome = z.enum(projectOutcomes);
export type ProjectOutcome = z.infer<typeof ProjectOutcome>;

/** Where a project's tasks land. */
export const ProjectTarget = z.object({
  repo: z.string(),
  branch: z.string(),
  /** Whether tasks land through the branch's merge queue (the project has a test command). */
  mergeQueue: z.boolean(),
});
export type ProjectTarget = z.infer<typeof ProjectTarget>;

/**
 * The target's merge queue as its own workflow answers: the client asks it beside the project, since
 * the project workflow does not own the queue.
 */
export const ProjectMergeQueue = z.object({
  workflowId: z.string(),
  /** Absent when the queue has not run yet, or did not answer (then `problem` says why). */
  queue: MergeQueueStatus.optional(),
  problem: z.string().optional(),
});
export type ProjectMergeQueue = z.infer<typeof ProjectMergeQueue>;

export const ProjectStatus = z.object({
  projectId: z.string(),
  goal: z.string(),
  phase: ProjectPhase,
  paused: z.boolean(),
  stopRequested: z.boolean(),
  cycle: z.number().int().nonnegative(),
  cycleWorkflowId: z.string().optional(),
  /** Tasks of the current cycle. */
  tasks: TaskCounts,
  /** Tasks over the whole project so far. */
  totals: z.object({ done: z.number().int(), failed: z.number().int(), started: z.number().int() }),
  planners: z.array(PlannerNode),
  usage: Usage,
  lastVerdict: Verdict.optional(),
  limits: Limits,
  /** How the project's commands are confined (absent from workflows started before sandboxes). */
  sandbox: SandboxSettings.optional(),
  limitReached: z.string().optional(),
  /** The model provider has been failing for longer than the outage budget; no new work starts meanwhile. */
  outage: ModelOutage.optional(),
  pendingSteering: z.array(z.string()),
  outcome: ProjectOutcome.optional(),
  headCommit: z.string().optional(),
  /** Absent until the settings are resolved (and from workflows started before it was reported). */
  target: ProjectTarget.optional(),
  /** Filled in by the client (`ProjectHandle.status()`), never by the project workflow. */
  mergeQueue: ProjectMergeQueue.optional(),
});
export type ProjectStatus = z.infer<typeof ProjectStatus>;

export const ProjectResult = z.object({
  outcome: ProjectOutcome,
  cycles: z.number().int().nonnegative(),
  tasksDone: z.number().int().nonnegative(),
  tasksFailed: z.number().int().nonnegative(),
  headCommit: z.string().optional(),
  usage: Usage,
  /** The most recent verdicts (older ones are dropped to keep the result small). */
  verdicts: z.array(Verdict),
  reason: z.string().optional(),
});
export type ProjectResult = z.infer<typeof ProjectResult>;
