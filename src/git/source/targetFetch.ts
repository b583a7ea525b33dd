import { promises as fs } from 'node:fs';
import path from 'node:path';
import { GitFailureType, gitFailure } from '../core/gitFailures';
import { GitCommandError, type Git } from '../core/gitRunner';
import { fullShaPattern } from '../core/names';
import type { RepoSource } from './repoSource';
import { sourceFailure } from './sourceErrors';

/**
 * `git worktree add` briefly gives the new worktree a placeholder HEAD; a fetch elsewhere whose
 * connectivity check walks every worktree's HEAD at that instant fails with this. It heals at once.
 */
const halfMadeWorktree = /bad object worktrees\/|did not send all necessary objects/i;
const maxHalfMadeRetries = 6;

function fetchOnce(git: Git, targetBranch: string, signal?: AbortSignal): ReturnType<Git> {
  return git(['fetch', '--no-tags', '--refmap=', 'origin', `+refs/heads/${targetBranch}`], {
    allowFailure: true,
    signal,
  });
}

/**
 * Fetches the target head into a worktree's own FETCH_HEAD and returns its sha. FETCH_HEAD is private
 * to each worktree and `--refmap=` stops git from also updating the shared remote-tracking branch, so
 * concurrent tasks fetch without taking the cache lock.
 */
export async function fetchTargetHead(
  git: Git,
  worktreeGitDir: string,
  source: RepoSource,
  targetBranch: string,
  signal?: AbortSignal,
): Promise<string> {
  let result = await fetchOnce(git, targetBranch, signal);
  for (let retry = 1; retry <= maxHalfMadeRetries && result.exitCode !== 0 && halfMadeWorktree.test(result.stderr); retry++) {
    await new Promise((resolve) => setTimeout(resolve, retry * 25 * (0.5 + Math.random())));
    result = await fetchOnce(git, targetBranch, signal);
  }
  if (result.exitCode !== 0) {
    if (/couldn't find remote ref/i.test(result.stderr)) {
      throw gitFailure(GitFailureType.missingTargetBranch, `target branch "${targetBranch}" does not exist in "${source.original}"`);
    }
    throw sourceFailure(source, new GitCommandError(['fetch'], result.exitCode, result.stdout, result.stderr));
  }
  const head = await readFetchHead(worktreeGitDir);
  if (head === undefined) throw gitFailure(GitFailureType.gitFailed, `fetch of "${targetBranch}" left no FETCH_HEAD`);
  return head;
}

/** The commit the worktree's last fetch brought, read from FETCH_HEAD (`<sha>\t\t<description>`). */
export async function readFetchHead(worktreeGitDir: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(worktreeGitDir, 'FETCH_HEAD'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const sha = text.split('\t', 1)[0].trim();
  return fullShaPattern.test(sha) ? sha : undefined;
}
