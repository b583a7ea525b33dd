import { ApplicationFailure } from '@temporalio/common';

/**
 * Failure types the git workspace raises. Activities let these propagate: the non-retryable ones stop
 * Temporal from retrying something only a human can fix; the retryable ones are worth another attempt.
 */
export const GitFailureType = {
  /** The repository path or URL does not name a reachable git repository. */
  badRepository: 'LonghaulBadRepository',
  /** The base branch (named or the source's HEAD branch) does not exist. */
  missingBaseBranch: 'LonghaulMissingBaseBranch',
  /** The target branch is gone although the cycle created it. */
  missingTargetBranch: 'LonghaulMissingTargetBranch',
  /** The target branch is checked out in the user's working tree, which has local changes. */
  dirtyTargetBranch: 'LonghaulDirtyTargetBranch',
  /** A read-only view was asked for a commit the repository does not have. */
  unknownCommit: 'LonghaulUnknownCommit',
  /** A request field was malformed (validation at the activity boundary). */
  invalidRequest: 'LonghaulInvalidGitRequest',
  /** Another live process owns this task's worktree. */
  taskBusy: 'LonghaulTaskWorktreeBusy',
  /** A cross-process lock was not obtained in time. */
  lockTimeout: 'LonghaulLockTimeout',
  /** The target kept moving under every integration attempt. */
  pushRaceExhausted: 'LonghaulPushRaceExhausted',
  /** The repository could not be reached right now (network, server). */
  repositoryUnavailable: 'LonghaulRepositoryUnavailable',
  /** Any other git failure; retried because most are environmental. */
  gitFailed: 'LonghaulGitFailed',
} as const;
export type GitFailureType = (typeof GitFailureType)[keyof typeof GitFailureType];

const nonRetryableTypes: ReadonlySet<GitFailureType> = new Set<GitFailureType>([
  GitFailureType.badRepository,
  GitFailureType.missingBaseBranch,
  GitFailureType.missingTargetBranch,
  GitFailureType.dirtyTargetBranch,
  GitFailureType.unknownCommit,
  GitFailureType.invalidRequest,
]);

export function gitFailure(type: GitFailureType, message: string, cause?: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    message,
    type,
    nonRetryable: nonRetryableTypes.has(type),
    cause: cause instanceof Error ? cause : undefined,
  });
}
