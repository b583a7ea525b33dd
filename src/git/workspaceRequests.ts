import { z } from 'zod';
import { BranchName } from '../schemas/projectInput';
import { GitFailureType, gitFailure } from './core/gitFailures';

/** Ids end up in branch names, paths and commit trailers: printable, single line, bounded. */
const Id = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^\s\p{Cc}][^\p{Cc}]*$/u, 'must be printable text on one line');

const Repo = z.string().trim().min(1).max(4_000);
const Cycle = z.number().int().nonnegative();
const SetupCommand = z.string().trim().min(1).max(2_000);

export const OpenTaskRequestSchema = z.object({
  projectId: Id,
  repo: Repo,
  targetBranch: BranchName,
  cycle: Cycle,
  taskId: Id,
  title: z.string().max(10_000),
  sinceCommit: z
    .string()
    .regex(/^[0-9a-fA-F]{7,64}$/, 'must be a commit sha')
    .optional(),
  setupCommand: SetupCommand.optional(),
  resumeFrom: z
    .object({
      ref: z.string().regex(/^refs\/longhaul\/[^\s\p{Cc}]+$/u, 'must be a hidden longhaul ref'),
      commit: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'must be a full commit sha'),
    })
    .optional(),
});

export const ReadOnlyViewRequestSchema = z.object({
  projectId: Id,
  repo: Repo,
  commit: z.string().regex(/^[0-9a-fA-F]{7,64}$/, 'must be a commit sha'),
  environment: z.object({ setupCommand: SetupCommand, cycle: Cycle, reader: Id }).optional(),
});

const Sha = z.string().regex(/^[0-9a-fA-F]{7,64}$/, 'must be a commit sha');

export const LandedTaskCommitsRequestSchema = z.object({
  projectId: Id,
  repo: Repo,
  sinceCommit: Sha,
  untilCommit: Sha,
});

export const TargetHeadRequestSchema = z.object({
  projectId: Id,
  repo: Repo,
  targetBranch: BranchName,
});

/** Parses an activity's request; a malformed one is a bug upstream, so retrying cannot help. */
export function parseRequest<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw gitFailure(GitFailureType.invalidRequest, `invalid ${what} request: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}
