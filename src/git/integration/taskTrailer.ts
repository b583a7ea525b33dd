import type { Git } from '../core/gitRunner';

/** The trailer that ties a commit on the target branch to the task that made it. */
export const taskTrailerKey = 'Longhaul-Task';

const maxSubjectLength = 200;
/** Bodies are summaries; anything longer is cut so messages stay readable (and fit on a command line). */
const maxBodyLength = 20_000;

/** Subject, optional body, then the task trailer as the final paragraph. */
export function buildCommitMessage(subject: string, body: string | undefined, taskId: string): string {
  const lines = subject.split(/\r?\n/);
  const first = lines.findIndex((line) => line.trim().length > 0);
  const cleanSubject = first >= 0 ? lines[first].trim().slice(0, maxSubjectLength) : `longhaul task ${taskId}`;
  // Extra subject lines become the first body paragraph rather than being dropped.
  const rest =
    first >= 0
      ? lines
          .slice(first + 1)
          .join('\n')
          .trim()
      : '';
  const paragraphs = [cleanSubject];
  if (rest) paragraphs.push(rest);
  if (body?.trim()) paragraphs.push(body.trim().slice(0, maxBodyLength));
  paragraphs.push(`${taskTrailerKey}: ${taskId}`);
  return `${paragraphs.join('\n\n')}\n`;
}

/**
 * Commits in `revisions` (e.g. a branch, or `a..b`) whose trailer names `taskId`, newest first.
 * git's grep narrows the walk cheaply; the trailer parse makes the match exact.
 */
export async function findTaskCommits(git: Git, revisions: string, taskId: string): Promise<string[]> {
  const { stdout } = await git([
    'log',
    '--fixed-strings',
    `--grep=${taskTrailerKey}: ${taskId}`,
    `--format=%H%x1f%(trailers:key=${taskTrailerKey},valueonly,separator=%x1d)%x1e`,
    '--end-of-options',
    revisions,
    '--',
  ]);
  const found: string[] = [];
  for (const record of stdout.split('\x1e')) {
    const [sha, values] = record.trim().split('\x1f');
    if (!sha || values === undefined) continue;
    if (values.split('\x1d').some((value) => value.trim() === taskId)) found.push(sha);
  }
  return found;
}

export interface RangeCommit {
  sha: string;
  tree: string;
  taskIds: string[];
}

/** The commits in `revisions`, newest first, with their trees and task trailers. */
export async function listRange(git: Git, revisions: string): Promise<RangeCommit[]> {
  const { stdout } = await git([
    'log',
    `--format=%H%x1f%T%x1f%(trailers:key=${taskTrailerKey},valueonly,separator=%x1d)%x1e`,
    '--end-of-options',
    revisions,
    '--',
  ]);
  const commits: RangeCommit[] = [];
  for (const record of stdout.split('\x1e')) {
    const [sha, tree, values] = record.trim().split('\x1f');
    if (!sha || !tree) continue;
    commits.push({
      sha,
      tree,
      taskIds: (values ?? '')
        .split('\x1d')
        .map((value) => value.trim())
        .filter((value) => value.length > 0),
    });
  }
  return commits;
}

const taskCommitFilter = ['--first-parent', '--fixed-strings', `--grep=${taskTrailerKey}:`];

/** How many commits in `revisions` carry a task trailer. */
export async function countTaskCommits(git: Git, revisions: string): Promise<number> {
  const { stdout } = await git([
    'log',
    ...taskCommitFilter,
    `--format=%(trailers:key=${taskTrailerKey},valueonly,separator=%x1d)%x1e`,
    '--end-of-options',
    revisions,
    '--',
  ]);
  return stdout.split('\x1e').filter((values) => values.trim().length > 0).length;
}

export interface TaskCommit {
  sha: string;
  subject: string;
  taskIds: string[];
  /** Files the commit touched (for a merge: against its first parent), at most `maxFiles`. */
  files: string[];
  /** How many more files it touched than `files` lists. */
  moreFiles: number;
}

/**
 * The commits in `revisions` that carry a task trailer, oldest first, with subject and files; at
 * most `maxCommits` (the newest), so a long cycle stays a bounded answer.
 */
export async function listTaskCommits(
  git: Git,
  revisions: string,
  limits: { maxCommits: number; maxFiles: number },
): Promise<TaskCommit[]> {
  const { stdout } = await git([
    'log',
    '--no-renames',
    '--diff-merges=first-parent',
    '--name-only',
    ...taskCommitFilter,
    '-n',
    String(limits.maxCommits),
    `--format=%x1e%H%x1f%s%x1f%(trailers:key=${taskTrailerKey},valueonly,separator=%x1d)%x1f`,
    '--end-of-options',
    revisions,
    '--',
  ]);
  const commits: TaskCommit[] = [];
  for (const record of stdout.split('\x1e')) {
    const [sha, subject, values, fileList] = record.split('\x1f');
    if (!sha || subject === undefined) continue;
    const taskIds = (values ?? '')
      .split('\x1d')
      .map((value) => value.trim())
      .filter((value) => value.length > 0);
    // The grep also matches a body that merely mentions the key; only a real trailer counts.
    if (taskIds.length === 0) continue;
    const files = (fileList ?? '').split('\n').filter((line) => line.trim().length > 0);
    commits.push({
      sha: sha.trim(),
      subject,
      taskIds,
      files: files.slice(0, limits.maxFiles),
      moreFiles: Math.max(0, files.length - limits.maxFiles),
    });
  }
  return commits.reverse();
}
