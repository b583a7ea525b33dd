import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Git identity for commands a test runs itself (CI machines have no global identity). */
export const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'longhaul test',
  GIT_AUTHOR_EMAIL: 'test@longhaul.invalid',
  GIT_COMMITTER_NAME: 'longhaul test',
  GIT_COMMITTER_EMAIL: 'test@longhaul.invalid',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8' }).trim();
}

/** A fresh repository with one commit on `main`. */
export function createRepo(prefix = 'longhaul-repo-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  git(dir, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(dir, 'README.md'), '# fixture\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'initial commit');
  return dir;
}

/** Task ids of the commits on `branch` (from their `Longhaul-Task` trailers), oldest first. */
export function taskTrailers(repo: string, branch: string): string[] {
  return git(repo, 'log', '--reverse', '--format=%(trailers:key=Longhaul-Task,valueonly)', branch)
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}
