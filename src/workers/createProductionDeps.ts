import type { ActivityDeps } from '../activities/activityDeps';
import { createAgents } from '../agents/createAgents';
import type { LonghaulConfig } from '../config/longhaulConfig';
import { GitWorkspace } from '../git/gitWorkspace';
import { assertProviderKeys, createModelClient } from '../models/createModelClient';
import { defaultPriceTable, mergePriceTable } from '../models/priceTable';
import { createSandboxes } from '../sandbox/createSandboxes';
import type { Sandboxes } from '../sandbox/sandboxes';
import { TranscriptStore } from '../state/transcriptStore';

/**
 * The real collaborators of longhaul's activities: model-backed agents, git workspaces and the
 * state folder, configured from the config file and this process's environment (where API keys
 * live; they never enter workflow inputs or history).
 */
export function createProductionDeps(
  config: LonghaulConfig,
  env: NodeJS.ProcessEnv = process.env,
  sandboxes: Sandboxes = createWorkerSandboxes(config),
): ActivityDeps {
  const prices = config.prices ? mergePriceTable(config.prices, defaultPriceTable) : defaultPriceTable;
  const transcripts = new TranscriptStore({ stateDir: config.stateDir });
  const agents = createAgents({
    models: (ref) => createModelClient(ref, env, prices),
    transcripts,
    sandboxes,
    ...(config.modelProfiles ? { modelProfiles: config.modelProfiles } : {}),
    reasoning: config.reasoning,
    taskLimits: config.limits,
  });
  // As many kept worktrees as this process runs tasks: each ending task's worktree serves the next one.
  const workspace = new GitWorkspace({ workdir: config.workdir, transcripts, sandboxes, spareWorktrees: config.concurrency.work });
  return {
    agents,
    workspace,
    mergeQueue: workspace,
    transcripts,
    defaults: {
      models: config.models,
      limits: config.limits,
      heartbeatTimeoutSeconds: config.heartbeatTimeoutSeconds,
      setupCommand: config.setupCommand,
      sandbox: sandboxes.defaults,
    },
    checkModel: async (_role, model) => assertProviderKeys([model], env),
  };
}

/** The worker's command sandboxes: commands never see the caches (other tasks' worktrees, the clones) nor the state. */
export function createWorkerSandboxes(config: LonghaulConfig): Sandboxes {
  const { memoryMb, maxProcesses, ...settings } = config.sandbox;
  return createSandboxes({ settings, hide: [config.workdir, config.stateDir], memoryMb, maxProcesses });
}
