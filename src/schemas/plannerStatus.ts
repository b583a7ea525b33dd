import { z } from 'zod';
import { PlannerState, TaskCounts } from './status';
import { TaskStatus } from './task';
import { Usage } from './usage';

export const PlannerTaskView = z.object({
  taskId: z.string(),
  title: z.string(),
  state: z.union([z.enum(['queued', 'running', 'landing']), TaskStatus]),
  startedAt: z.string().optional(),
  summary: z.string().optional(),
});

export const PlannerChildView = z.object({
  workflowId: z.string(),
  area: z.string(),
  finished: z.boolean(),
  tasksDone: z.number().int().optional(),
  tasksFailed: z.number().int().optional(),
});

/** What a planner workflow answers to `status`: its own tasks and its direct sub-planners. */
export const PlannerStatus = z.object({
  workflowId: z.string(),
  area: z.string(),
  areaGoal: z.string(),
  depth: z.number().int(),
  state: PlannerState,
  round: z.number().int(),
  paused: z.boolean(),
  closed: z.boolean(),
  steering: z.array(z.string()),
  tasks: TaskCounts,
  recentTasks: z.array(PlannerTaskView),
  children: z.array(PlannerChildView),
  usage: Usage,
  lastPlanSummary: z.string().optional(),
});
export type PlannerStatus = z.infer<typeof PlannerStatus>;
