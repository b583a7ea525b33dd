import { z } from 'zod';
import { Role } from '../contract/roles';
import { ModelRef } from '../schemas/modelRef';
import { parseInput } from '../schemas/parseInput';
import type { ActivityDeps } from './activityDeps';

const PreflightRequest = z.object({ role: Role, model: ModelRef });

/**
 * Runs on each role's task queue before the first cycle, so that a missing API key or an unknown
 * provider fails the project at once, naming what to fix, instead of hours later.
 */
export function createPreflightModel(checkModel: ActivityDeps['checkModel']) {
  return async function preflightModel(raw: z.infer<typeof PreflightRequest>): Promise<void> {
    const { role, model } = parseInput(PreflightRequest, raw, 'preflight request');
    await checkModel(role, model);
  };
}
