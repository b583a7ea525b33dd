import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ClaimSnapshot } from '../../schemas/claims';
import type { CycleFinished } from '../../schemas/cycle';
import type { Limits, LimitsPatch } from '../../schemas/limits';
import type { PlannerReport } from '../../schemas/plannerReport';
import type { ModelOutageReport } from '../../schemas/modelOutage';
import type { ProjectStatus } from '../../schemas/status';

export const projectStatusQuery = defineQuery<ProjectStatus>('status');
/** The running cycle's claim registry: tasks holding claims and tasks waiting with theirs; planning steps check new tasks against it. */
export const projectClaimsQuery = defineQuery<ClaimSnapshot>('claims');
export const setLimitsUpdate = defineUpdate<Limits, [LimitsPatch]>('setLimits');

/** Sent by every planner of the running cycle; drives the project's slot ledger and live tree. */
export const plannerReportSignal = defineSignal<[PlannerReport]>('plannerReport');

/** Sent by a cycle when it ends, addressed by workflow id so it reaches a continued-as-new project. */
export const cycleFinishedSignal = defineSignal<[CycleFinished]>('cycleFinished');

/**
 * Sent by an agent's activity when the model provider has been down for longer than the outage budget
 * (`down`: the project pauses itself) and when it answers again (`up`: that pause is lifted).
 */
export const modelOutageSignal = defineSignal<[ModelOutageReport]>('modelOutage');
