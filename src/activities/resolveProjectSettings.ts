import { z } from 'zod';
import { Limits } from '../schemas/limits';
import { parseInput } from '../schemas/parseInput';
import { ProjectInput } from '../schemas/projectInput';
import type { ProjectSettings } from '../schemas/projectSettings';
import type { ProjectDefaults } from './activityDeps';

const ResolveRequest = z.object({ projectId: z.string().min(1), input: ProjectInput });

/** Fills a project's input with the worker's defaults; the result is all the workflows ever use. */
export function createResolveProjectSettings(defaults: ProjectDefaults) {
  return async function resolveProjectSettings(raw: z.infer<typeof ResolveRequest>): Promise<ProjectSettings> {
    const { projectId, input } = parseInput(ResolveRequest, raw, 'project settings request');
    const limits = parseInput(Limits, { ...defaults.limits, ...input.limits }, 'project limits');
    return {
      projectId,
      goal: input.goal,
      repo: input.repo,
      baseBranch: input.baseBranch,
      targetBranch: input.targetBranch ?? `longhaul/${projectId}`,
      testCommand: input.testCommand,
      models: { ...defaults.models, ...input.models },
      limits,
    };
  };
}
