import type { ActivityDeps } from '../activities/activityDeps';
import { createAgents } from '../agents/createAgents';
import type { LonghaulConfig } from '../config/longhaulConfig';
import { GitWorkspace } from '../git/gitWorkspace';
import { assertProviderKeys, createModelClient } from '../models/createModelClient';
import { defaultPriceTable, mergePriceTable } from '../models/priceTable';
import { TranscriptStore } from '../state/transcriptStore';

/**
 * The real collaborators of longhaul's activities: model-backed agents, git workspaces and the
 * state folder, configured from the config file and this process's environment (where API keys
 * live; they never enter workflow inputs or history).
 */
export function createProductionDeps(config: LonghaulConfig, env: NodeJS.ProcessEnv = process.env): ActivityDeps {
  const prices = config.prices ? mergePriceTable(config.prices, defaultPriceTable) : defaultPriceTable;
  const agents = createAgents({
    models: (ref) => createModelClient(ref, env, prices),
    transcripts: new TranscriptStore({ stateDir: config.stateDir }),
  });
  const workspace = new GitWorkspace({ workdir: config.workdir });
  return {
    agents,
    workspace,
    mergeQueue: workspace,
    defaults: { models: config.models, limits: config.limits, heartbeatTimeoutSeconds: config.heartbeatTimeoutSeconds },
    checkModel: async (_role, model) => assertProviderKeys([model], env),
  };
}
