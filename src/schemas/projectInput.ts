import { z } from 'zod';
import { ModelsByRole } from './modelRef';
import { LimitsPatch } from './limits';
import { ReasoningByRole } from './reasoning';
import { SandboxPatch } from './sandbox';
import { MergeQueueOptions } from './mergeQueue';

/** Branch names as git accepts them (a conservative subset of check-ref-format). */
export const BranchName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^(?!\/|.*\/\/|.*\.\.|.*@\{|.*\.lock$|.*\/$)[A-Za-z0-9._/-]+$/, 'is not a valid git branch name');

/**
 * What a user passes to start a project (`temporal workflow start --input '<json>'`).
 * Contains no secrets: provider keys live only in the worker's environment.
 */
export const ProjectInput = z
  .object({
    goal: z.string().trim().min(1, 'must describe what the agents should achieve').max(20_000),
    repo: z.string().trim().min(1, 'must be a local path or a git URL'),
    baseBranch: BranchName.optional(),
    targetBranch: BranchName.optional(),
    testCommand: z.string().trim().min(1).max(2_000).optional(),
    setupCommand: z.string().trim().min(1).max(2_000).optional(),
    /** How the target's merge queue batches and re-queues (used with a test command). */
    mergeQueue: MergeQueueOptions.strict().optional(),
    models: ModelsByRole.strict().optional(),
    limits: LimitsPatch.optional(),
    /** Reasoning effort per role, overriding the workers' config for this project. */
    reasoning: ReasoningByRole.optional(),
    /** How commands on checkouts are confined (see README, "Sandbox"); the worker's defaults when absent. */
    sandbox: SandboxPatch.optional(),
  })
  .strict();
export type ProjectInput = z.infer<typeof ProjectInput>;
