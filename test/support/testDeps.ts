import type { ActivityDeps } from '../../src/activities/activityDeps';
import type { Agents } from '../../src/agents/agentContracts';
import type { Workspace } from '../../src/git/workspaceContract';
import { defaultLimits } from '../../src/schemas/limits';

/** Activity collaborators for a test: its agents and workspace, default models, every key present. */
export function testDeps(agents: Agents, workspace: Workspace): ActivityDeps {
  return {
    agents,
    workspace,
    defaults: {
      models: { planner: 'openai:test-planner', worker: 'openai:test-worker', judge: 'anthropic:test-judge' },
      limits: defaultLimits,
      // Short, so a killed worker's task moves on quickly in tests.
      heartbeatTimeoutSeconds: 4,
    },
    checkModel: async () => undefined,
  };
}
