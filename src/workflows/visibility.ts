import { upsertSearchAttributes } from '@temporalio/workflow';
import type { SearchAttributePair } from '@temporalio/common';
import type { WorkflowKind } from '../contract/roles';
import { longhaulCycleKey, longhaulPhaseKey, longhaulProjectKey, longhaulRoleKey } from '../contract/searchAttributes';

/**
 * Search attributes for a workflow longhaul starts, so a user can filter one project's runs in the
 * Web UI. Only when the namespace knows them: an unknown attribute would fail the workflow task.
 */
export function startAttributes(
  enabled: boolean,
  projectId: string,
  role: WorkflowKind,
  cycle?: number,
): SearchAttributePair[] | undefined {
  if (!enabled) return undefined;
  const pairs: SearchAttributePair[] = [
    { key: longhaulProjectKey, value: projectId },
    { key: longhaulRoleKey, value: role },
  ];
  if (cycle !== undefined) pairs.push({ key: longhaulCycleKey, value: cycle });
  return pairs;
}

/** Records a phase (and cycle) change on the current workflow, once per actual change. */
export function phaseRecorder(enabled: boolean): (phase: string, cycle?: number) => void {
  let lastPhase: string | undefined;
  let lastCycle: number | undefined;
  return (phase, cycle) => {
    if (!enabled || (phase === lastPhase && cycle === lastCycle)) return;
    lastPhase = phase;
    lastCycle = cycle;
    upsertSearchAttributes([
      { key: longhaulPhaseKey, value: phase },
      ...(cycle !== undefined ? [{ key: longhaulCycleKey, value: cycle }] : []),
    ]);
  };
}
