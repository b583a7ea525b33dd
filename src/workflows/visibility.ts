import { upsertSearchAttributes } from '@temporalio/workflow';
import { longhaulCycleKey, longhaulPhaseKey } from '../contract/searchAttributes';

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
