import type { ModelClient } from '../models/modelClient';
import { defaultModelProfiles, lookupModelProfile, type ModelProfile } from '../models/modelProfiles';
import type { Role } from '../contract/roles';
import type { ReasoningEffort } from '../schemas/reasoning';
import type { AgentDependencies } from './agentDependencies';

/** What an agent loop needs to call one role's model at its best: client, window and effort. */
export interface ModelSettings {
  client: ModelClient;
  model: string;
  profile: ModelProfile;
  reasoningEffort?: ReasoningEffort;
}

/**
 * The model settings for a role: the configured profile table over the built-in one, and, for a
 * model whose profile says it reasons, the effort the project asked for, else the role's configured
 * effort, else the provider's default.
 */
export function modelSettingsFor(
  deps: Pick<AgentDependencies, 'models' | 'modelProfiles' | 'reasoning'>,
  role: Role,
  modelRef: string,
  requested?: ReasoningEffort,
): ModelSettings {
  const { client, model } = deps.models(modelRef);
  const profile = lookupModelProfile({ ...defaultModelProfiles, ...deps.modelProfiles }, modelRef);
  // Only models known to take it get an effort; others would refuse the request.
  const reasoningEffort = profile.reasoning === true ? (requested ?? deps.reasoning?.[role]) : undefined;
  return { client, model, profile, ...(reasoningEffort !== undefined ? { reasoningEffort } : {}) };
}
