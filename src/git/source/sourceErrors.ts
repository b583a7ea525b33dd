import type { ApplicationFailure } from '@temporalio/common';
import { GitFailureType, gitFailure } from '../core/gitFailures';
import { GitCommandError } from '../core/gitRunner';
import type { RepoSource } from './repoSource';

/** What git prints when the repository itself is wrong rather than momentarily unreachable. */
const permanentPatterns: readonly RegExp[] = [
  /does not appear to be a git repository/i,
  /not a git repository/i,
  /repository .* not found/i,
  /repository not found/i,
  /the requested url returned error: 40[134]/i,
  /authentication failed/i,
  /could not read username/i,
  /permission denied \(publickey/i,
  /unable to find remote helper/i,
  /no such file or directory/i,
  /does not exist/i,
];

/** Turns a failed fetch/ls-remote/clone against the source into a classified failure. */
export function sourceFailure(source: RepoSource, error: unknown): ApplicationFailure {
  const text = error instanceof GitCommandError ? error.stderr || error.stdout : String(error);
  const detail = text.trim().split('\n').slice(-3).join(' ').slice(0, 500);
  if (permanentPatterns.some((pattern) => pattern.test(text))) {
    return gitFailure(GitFailureType.badRepository, `cannot use repository "${source.original}" as a git repository: ${detail}`, error);
  }
  return gitFailure(GitFailureType.repositoryUnavailable, `repository "${source.original}" is unreachable right now: ${detail}`, error);
}
