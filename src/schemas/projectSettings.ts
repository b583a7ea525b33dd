import { z } from 'zod';
import { ResolvedModels } from './modelRef';
import { Limits } from './limits';
import { MergeQueueOptions } from './mergeQueue';
import { BranchName } from './projectInput';
import { ReasoningByRole } from './reasoning';
import { SandboxSettings } from './sandbox';

/** A project's input with every default filled in from the worker's environment. */
export const ProjectSettings = z.object({
  projectId: z.string().min(1),
  goal: z.string().min(1),
  repo: z.string().min(1),
  baseBranch: BranchName.optional(),
  targetBranch: BranchName,
  testCommand: z.string().optional(),
  /** Prepares every checkout's dependencies (`npm ci`, `pip install -e .`); the project's, else the worker's default. */
  setupCommand: z.string().optional(),
  mergeQueue: MergeQueueOptions.optional(),
  models: ResolvedModels,
  limits: Limits,
  /** The project's own reasoning effort per role; the workers' config decides the rest. */
  reasoning: ReasoningByRole.optional(),
  /** Whether the namespace has longhaul's search attributes registered (setting unknown ones fails). */
  searchAttributes: z.boolean(),
  /** Heartbeat timeout of agent activities: how soon work moves off a worker that died. */
  heartbeatTimeoutSeconds: z.number().int().min(2).max(3_600),
  /** Optional only for settings resolved before sandboxes existed (histories replay them). */
  sandbox: SandboxSettings.optional(),
});
export type ProjectSettings = z.infer<typeof ProjectSettings>;
