import type { ActivityDeps } from '../../src/activities/activityDeps';
import type { Agents } from '../../src/agents/agentContracts';
import { GitWorkspace } from '../../src/git/gitWorkspace';
import type { MergeQueueGit, Workspace } from '../../src/git/workspaceContract';
import { defaultLimits } from '../../src/schemas/limits';

/** For tests on a stand-in workspace: they run no test command, so nothing reaches a merge queue. */
const noMergeQueue: MergeQueueGit = {
  testStack: async () => {
    throw new Error('this test has no merge queue');
  },
  landStack: async () => {
    throw new Error('this test has no merge queue');
  },
};

/** Activity collaborators for a test: its agents and workspace, default models, every key present. */
export function testDeps(agents: Agents, workspace: Workspace): ActivityDeps {
  return {
    agents,
    workspace,
    mergeQueue: workspace instanceof GitWorkspace ? workspace : noMergeQueue,
    defaults: {
      models: { planner: 'openai:test-planner', worker: 'openai:test-worker', judge: 'anthropic:test-judge' },
      limits: defaultLimits,
      // Short, so a killed worker's task moves on quickly in tests.
      heartbeatTimeoutSeconds: 4,
    },
    checkModel: async () => undefined,
  };
}
