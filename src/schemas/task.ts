import { z } from 'zod';
import { Usage } from './usage';

/** A task as a planner writes it: one worker owns it end to end. */
export const PlannedTask = z.object({
  title: z.string().trim().min(1).max(200),
  instructions: z.string().trim().min(1).max(8_000),
  /** The files or folders (ending in `/`) it will create or change: its claims. */
  files: z.array(z.string().max(500)).max(100).optional(),
  /** Queue behind tasks already holding or waiting for an overlapping claim, instead of being refused. */
  waitForClaims: z.boolean().optional(),
});
export type PlannedTask = z.infer<typeof PlannedTask>;

/** Files a worker's change touched that none of its task's claims covers (the first ones, and how many in all). */
export const OutsideClaims = z.object({ files: z.array(z.string().max(300)).max(10), total: z.number().int().positive() });
export type OutsideClaims = z.infer<typeof OutsideClaims>;

/** The note bounded for history: a task's result lists at most 10 such files, a summary passed up the tree 5. */
export function outsideClaimsNote(files: readonly string[], total: number, shown = 10): OutsideClaims {
  return { files: files.slice(0, shown).map((f) => clip(f, 300)), total };
}

/** `stalled`: the worker kept repeating itself and was stopped; its summary names the pattern, for re-planning. */
export const taskStatuses = ['done', 'failed', 'blocked', 'conflict', 'skipped', 'stalled'] as const;
export const TaskStatus = z.enum(taskStatuses);
export type TaskStatus = z.infer<typeof TaskStatus>;

/** What comes back from a worker task. Bulky records stay in the transcript file it names. */
export const TaskResult = z.object({
  taskId: z.string().min(1),
  title: z.string(),
  status: TaskStatus,
  summary: z.string().max(4_000),
  commit: z.string().optional(),
  usage: Usage,
  transcriptRef: z.string().optional(),
  promptVersion: z.string().optional(),
  outsideClaims: OutsideClaims.optional(),
});
export type TaskResult = z.infer<typeof TaskResult>;

/** A finished task as the judge and the planners above it see it: bounded, no usage. */
export const TaskOutcome = z.object({
  taskId: z.string(),
  title: z.string(),
  status: TaskStatus,
  summary: z.string().max(500),
  commit: z.string().optional(),
  outsideClaims: OutsideClaims.optional(),
});
export type TaskOutcome = z.infer<typeof TaskOutcome>;

/** Keeps a free-text field small enough for workflow history, whatever a model wrote. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 15)}… [truncated]`;
}
