import type { ModelClient } from '../models/modelClient';
import type { ModelProfileTable } from '../models/modelProfiles';
import type { ReasoningByRole } from '../schemas/reasoning';
import type { TaskLimits } from './agentContracts';
import type { Sandboxes } from '../sandbox/sandboxes';
import type { TranscriptStore } from '../state/transcriptStore';
import type { LoopLimits } from './agentLoop';
import type { PromptLibrary } from './promptTemplate';

/** Turns a `provider:model` reference into a client and the bare model name that client expects. */
export type ModelClientFactory = (modelRef: string) => { client: ModelClient; model: string };

/** What every role agent is built from; injected so tests and the worker process can wire their own. */
export interface AgentDependencies {
  models: ModelClientFactory;
  transcripts: TranscriptStore;
  /** Defaults to the package's own `prompts/` directory. */
  prompts?: PromptLibrary;
  /** Overrides of the role's default loop limits. */
  limits?: Partial<LoopLimits>;
  /** Context windows and output limits per `provider:model`, over the built-in table. */
  modelProfiles?: Readonly<ModelProfileTable>;
  /** Reasoning effort per role (config); a project's own effort takes precedence. */
  reasoning?: ReasoningByRole;
  /** Per-task caps from config, under the project's own; defaults fill the rest. */
  taskLimits?: TaskLimits;
  /** How commands on checkouts run; defaults to bubblewrap with the default settings. */
  sandboxes?: Sandboxes;
}
