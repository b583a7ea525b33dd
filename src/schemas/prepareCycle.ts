import { z } from 'zod';
import { BranchName } from './projectInput';

/** What a cycle asks of the repository before it plans: fetch it and fix the commit it starts from. */
export const PrepareCycleInput = z.object({
  projectId: z.string().trim().min(1).max(200),
  repo: z.string().trim().min(1).max(4_000),
  baseBranch: BranchName.optional(),
  targetBranch: BranchName,
  cycle: z.number().int().positive(),
  /** Prepares the checkouts' dependencies once for the cycle; a failing setup fails the preparation. */
  setupCommand: z.string().trim().min(1).max(2_000).optional(),
  /**
   * Tasks land through the target's merge queue: also ready this machine's stack checkouts at the
   * start commit, dependencies included, so the first batch does not wait for them.
   */
  stackCheckouts: z.boolean().optional(),
});
export type PrepareCycleInput = z.infer<typeof PrepareCycleInput>;

export const PreparedCycle = z.object({
  baseBranch: z.string(),
  targetBranch: z.string(),
  /** The target branch head every planner and the judge of this cycle look at. */
  baseCommit: z.string(),
  /** Set when the cycle has a setup command: which prepared dependencies its checkouts get. */
  environment: z.object({ manifestHash: z.string(), ranSetup: z.boolean(), transcriptRef: z.string() }).optional(),
});
export type PreparedCycle = z.infer<typeof PreparedCycle>;
