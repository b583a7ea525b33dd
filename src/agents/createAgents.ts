import type { Agents } from './agentContracts';
import type { AgentDependencies } from './agentDependencies';
import type { LoopLimits } from './agentLoop';
import { ModelJudgeAgent } from './judgeAgent';
import { ModelPlannerAgent } from './plannerAgent';
import { PromptLibrary } from './promptTemplate';
import { ModelWorkerAgent } from './workerAgent';

export interface CreateAgentsOptions extends Omit<AgentDependencies, 'limits'> {
  limits?: { planner?: Partial<LoopLimits>; worker?: Partial<LoopLimits>; judge?: Partial<LoopLimits> };
  judgeTestTimeoutMs?: number;
}

/** The three role agents over one model factory, one transcript store and one prompt library. */
export function createAgents(options: CreateAgentsOptions): Agents {
  const prompts = options.prompts ?? new PromptLibrary();
  const base = {
    models: options.models,
    transcripts: options.transcripts,
    prompts,
    ...(options.modelProfiles ? { modelProfiles: options.modelProfiles } : {}),
    ...(options.reasoning ? { reasoning: options.reasoning } : {}),
    ...(options.taskLimits ? { taskLimits: options.taskLimits } : {}),
    ...(options.sandboxes ? { sandboxes: options.sandboxes } : {}),
  };
  return {
    planner: new ModelPlannerAgent({ ...base, ...(options.limits?.planner ? { limits: options.limits.planner } : {}) }),
    worker: new ModelWorkerAgent({ ...base, ...(options.limits?.worker ? { limits: options.limits.worker } : {}) }),
    judge: new ModelJudgeAgent({
      ...base,
      ...(options.limits?.judge ? { limits: options.limits.judge } : {}),
      ...(options.judgeTestTimeoutMs !== undefined ? { testTimeoutMs: options.judgeTestTimeoutMs } : {}),
    }),
  };
}
