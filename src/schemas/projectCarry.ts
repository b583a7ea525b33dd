import { z } from 'zod';
import { HeldTask, WaitingSince } from './claims';
import { PlannerReport } from './plannerReport';
import { CycleFinished } from './cycle';
import { ModelOutage } from './modelOutage';
import { ProjectSettings } from './projectSettings';
import { TaskCounts } from './status';
import { Usage } from './usage';
import { Verdict } from './verdict';

/** A planner as the project's slot ledger sees it. */
export const LedgerEntry = z.object({
  report: PlannerReport,
  /** Slots granted to it so far (cumulative). */
  granted: z.number().int().nonnegative(),
  /** Place in the queue for slots; lower waits longer. */
  queuedAt: z.number().int().nonnegative(),
  closedNotified: z.boolean(),
  /** Granting by claims: its tasks holding a slot and their claims, and since when its queued ones wait. */
  held: z.array(HeldTask).optional(),
  waiting: z.array(WaitingSince).optional(),
});
export type LedgerEntry = z.infer<typeof LedgerEntry>;

/** Planners of the current cycle that have finished, folded into counts to keep the carried state small. */
export const FinishedPlanners = z.object({
  planners: z.number().int().nonnegative(),
  tasks: TaskCounts,
  tasksStarted: z.number().int().nonnegative(),
  usage: Usage,
});
export type FinishedPlanners = z.infer<typeof FinishedPlanners>;

/** Everything a project run hands to the next one when it continues-as-new. */
export const ProjectCarry = z.object({
  settings: ProjectSettings,
  cycle: z.number().int().nonnegative(),
  activeCycleWorkflowId: z.string().optional(),
  paused: z.boolean(),
  stopRequested: z.boolean(),
  steering: z.array(z.string()),
  completedUsage: Usage,
  totals: z.object({ done: z.number().int(), failed: z.number().int(), started: z.number().int() }),
  verdicts: z.array(Verdict),
  headCommit: z.string().optional(),
  ledger: z.array(LedgerEntry),
  ledgerSeq: z.number().int().nonnegative(),
  ledgerFinished: FinishedPlanners.optional(),
  /** A cycle that finished while the previous run was handing over. */
  finishedCycle: CycleFinished.optional(),
  /** A model outage the project paused for (absent from runs before outages paused projects). */
  outage: ModelOutage.optional(),
});
export type ProjectCarry = z.infer<typeof ProjectCarry>;
