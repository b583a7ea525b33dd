import type { OfferedTask } from '../../src/schemas/claims';
import type { PlannerReport } from '../../src/schemas/plannerReport';
import { zeroUsage } from '../../src/schemas/usage';

/** A planner's report to the slot ledger as a planner that grants by claims sends it, with `change` on top. */
export function claimsReport(workflowId: string, change: Partial<PlannerReport> = {}): PlannerReport {
  return {
    workflowId,
    area: workflowId,
    depth: 1,
    state: 'working',
    round: 1,
    tasks: { queued: 0, running: 0, done: 0, failed: 0 },
    cycle: 1,
    wantSlots: change.offered?.length ?? 0,
    grantedSeen: 0,
    releasedTotal: 0,
    tasksStarted: 0,
    usage: zeroUsage,
    offered: [],
    running: [],
    ...change,
  };
}

export const offeredTask = (taskId: string, ...claims: string[]): OfferedTask => ({ taskId, claims });
