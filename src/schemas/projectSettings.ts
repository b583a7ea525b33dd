import { z } from 'zod';
import { ResolvedModels } from './modelRef';
import { Limits } from './limits';
import { MergeQueueOptions } from './mergeQueue';
import { BranchName } from './projectInput';

/** A project's input with every default filled in from the worker's environment. */
export const ProjectSettings = z.object({
  projectId: z.string().min(1),
  goal: z.string().min(1),
  repo: z.string().min(1),
  baseBranch: BranchName.optional(),
  targetBranch: BranchName,
  testCommand: z.string().optional(),
  mergeQueue: MergeQueueOptions.optional(),
  models: ResolvedModels,
  limits: Limits,
  /** Whether the namespace has longhaul's search attributes registered (setting unknown ones fails). */
  searchAttributes: z.boolean(),
  /** Heartbeat timeout of agent activities: how soon work moves off a worker that died. */
  heartbeatTimeoutSeconds: z.number().int().min(2).max(3_600),
});
export type ProjectSettings = z.infer<typeof ProjectSettings>;
