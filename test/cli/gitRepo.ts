import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Git with a fixed identity and no user or system config, so tests behave the same on any machine. */
export const gitEnv: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('GIT_'))),
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'init.defaultBranch=main', '-c', 'commit.gpgSign=false', ...args], { cwd, env: gitEnv, encoding: 'utf8' }).trim();
}

/**
 * A bare repository with one commit on `main`, as a project's `repo`. Bare, because longhaul pushes
 * its target branch there.
 */
export function createBareRepo(dir: string): string {
  const work = path.join(dir, 'seed');
  const bare = path.join(dir, 'repo.git');
  fs.mkdirSync(work, { recursive: true });
  git(work, 'init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(work, 'README.md'), '# fixture\n');
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'initial');
  git(dir, 'clone', '-q', '--bare', work, bare);
  return bare;
}

/** Files on `branch` of the bare repository. */
export function filesOnBranch(bare: string, branch: string): string[] {
  return git(bare, 'ls-tree', '-r', '--name-only', branch).split('\n').filter(Boolean);
}
