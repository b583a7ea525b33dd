import type { Agents } from '../agents/agentContracts';
import type { MergeQueueGit, Workspace } from '../git/workspaceContract';
import type { Limits } from '../schemas/limits';
import type { Role } from '../contract/roles';
import type { ResolvedModels } from '../schemas/modelRef';
import type { SandboxSettings } from '../schemas/sandbox';
import type { TranscriptStore } from '../state/transcriptStore';

/** Defaults a worker fills into projects that do not set them (from its environment or config). */
export interface ProjectDefaults {
  models: ResolvedModels;
  limits: Limits;
  heartbeatTimeoutSeconds: number;
  /** Setup command of projects that name none (`setupCommand` in the config, `LONGHAUL_SETUP_COMMAND`). */
  setupCommand?: string;
  /** The worker's sandbox settings; a project's `sandbox` input is layered over them. */
  sandbox?: SandboxSettings;
}

/**
 * Everything the activities need from the outside world. The worker process builds the real ones;
 * tests pass their own. Workflow code never sees any of it.
 */
export interface ActivityDeps {
  agents: Agents;
  workspace: Workspace;
  /** The merge queue's git steps (the real workspace implements both). */
  mergeQueue: MergeQueueGit;
  defaults: ProjectDefaults;
  /**
   * The agents' transcripts, which record every billed model call as it returns: a task that ends
   * without its agents' own account (a failure, a result lost in a crash) reports its spend from them.
   */
  transcripts?: TranscriptStore;
  /** Throws a non-retryable error when a role's model cannot be used here (e.g. no API key). */
  checkModel(role: Role, model: string): Promise<void>;
}
