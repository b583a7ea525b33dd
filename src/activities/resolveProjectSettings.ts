import { Context } from '@temporalio/activity';
import { z } from 'zod';
import { longhaulSearchAttributeDefinitions } from '../contract/searchAttributes';
import { Limits } from '../schemas/limits';
import { parseInput } from '../schemas/parseInput';
import { ProjectInput } from '../schemas/projectInput';
import { applySandboxPatch, defaultSandboxSettings } from '../schemas/sandbox';
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
      setupCommand: input.setupCommand ?? defaults.setupCommand,
      mergeQueue: input.mergeQueue,
      models: { ...defaults.models, ...input.models },
      limits,
      ...(input.reasoning ? { reasoning: input.reasoning } : {}),
      searchAttributes: await namespaceHasLonghaulAttributes(),
      heartbeatTimeoutSeconds: defaults.heartbeatTimeoutSeconds,
      sandbox: applySandboxPatch(defaults.sandbox ?? defaultSandboxSettings, input.sandbox),
    };
  };
}

/** Asks the server whether longhaul's search attributes are registered in this namespace. */
async function namespaceHasLonghaulAttributes(): Promise<boolean> {
  const { client } = Context.current();
  try {
    const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace: client.options.namespace });
    const known = new Set(Object.keys(customAttributes ?? {}));
    const missing = longhaulSearchAttributeDefinitions.map((d) => d.split('=')[0]).filter((name) => !known.has(name));
    if (missing.length > 0) {
      Context.current().log.warn('Search attributes not registered; runs will not be filterable by them (see README)', { missing });
    }
    return missing.length === 0;
  } catch (err) {
    // Some deployments do not let workers call the operator API; run without the attributes then.
    Context.current().log.warn('Could not list search attributes; running without them', { error: String(err) });
    return false;
  }
}
