import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, promises as fs, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Identity for repositories the tests build themselves (CI machines have no global git identity). */
export const testGitEnv: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('GIT_'))),
  GIT_AUTHOR_NAME: 'fixture',
  GIT_AUTHOR_EMAIL: 'fixture@example.com',
  GIT_COMMITTER_NAME: 'fixture',
  GIT_COMMITTER_EMAIL: 'fixture@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  LC_ALL: 'C',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'init.defaultBranch=main', '-c', 'commit.gpgSign=false', ...args], {
    cwd,
    env: testGitEnv,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `longhaul-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A non-bare repository on `main` with `fileCount` files (f0000.txt …) in one commit. */
export function createSourceRepo(dir: string, fileCount = 20): string {
  git(path.dirname(dir), 'init', '-q', '-b', 'main', dir);
  const files = path.join(dir, 'files');
  mkdirSync(files, { recursive: true });
  for (let index = 0; index < fileCount; index++) {
    const name = path.join(files, `f${String(index).padStart(4, '0')}.txt`);
    writeFileSync(name, `file ${index}\nline two\nline three\n`);
  }
  writeFileSync(path.join(dir, 'README.md'), '# fixture\n\nshared line\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'initial');
  return dir;
}

/** A bare clone of `source`, reached through a file:// URL. */
export function createBareRemote(source: string, dir: string): string {
  git(path.dirname(dir), 'clone', '-q', '--bare', source, dir);
  return `file://${dir}`;
}

/** Task trailers on `branch` of `repo`, one entry per commit that has one. */
export function taskTrailers(repo: string, branch: string): string[] {
  const out = git(repo, 'log', '--format=%(trailers:key=Longhaul-Task,valueonly)%x1e', branch);
  return out
    .split('\x1e')
    .map((value) => value.trim())
    .filter((value) => value.length > 0);
}

function registeredWorktrees(cacheGitDir: string): { path: string; detached: boolean }[] {
  return git(cacheGitDir, 'worktree', 'list', '--porcelain')
    .split('\n\n')
    .filter((record) => record.startsWith('worktree '))
    .map((record) => ({ path: record.split('\n')[0].slice('worktree '.length), detached: /^detached$/m.test(record) }))
    .filter((entry) => path.resolve(entry.path) !== path.resolve(cacheGitDir));
}

/** Registered worktrees of tasks, not counting the emptied ones a cache keeps for the next tasks. */
export function taskWorktreeList(cacheGitDir: string): string[] {
  return registeredWorktrees(cacheGitDir)
    .filter((entry) => path.basename(path.dirname(entry.path)) !== 'spare')
    .map((entry) => entry.path);
}

/** The emptied worktrees a cache keeps for the next tasks. */
export function spareWorktreeList(cacheGitDir: string): { path: string; detached: boolean }[] {
  return registeredWorktrees(cacheGitDir).filter((entry) => path.basename(path.dirname(entry.path)) === 'spare');
}

/** The one repository cache under a workdir (tests use one source per workdir). */
export function cacheGitDir(workdir: string): string {
  const repos = readdirSync(path.join(workdir, 'repos'));
  if (repos.length !== 1) throw new Error(`expected one cache, found ${repos.join(', ')}`);
  return path.join(workdir, 'repos', repos[0], 'cache.git');
}

/** A digest of every file under `dir` (paths, modes and bytes), to prove a tree was not touched. */
export function snapshotTree(dir: string): string {
  const hash = createHash('sha256');
  const walk = (current: string): void => {
    for (const name of readdirSync(current).sort()) {
      const full = path.join(current, name);
      const stat = statSync(full);
      const rel = path.relative(dir, full);
      if (stat.isDirectory()) {
        hash.update(`d ${rel}\n`);
        walk(full);
      } else {
        hash.update(`f ${rel} ${stat.mode}\n`);
        hash.update(readFileSync(full));
      }
    }
  };
  walk(dir);
  return hash.digest('hex');
}

export async function writeText(file: string, text: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, text);
}

/** Runs `worker` over `items` with at most `parallel` in flight. */
export async function runPool<T>(items: readonly T[], parallel: number, worker: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(parallel, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      await worker(item);
    }
  });
  await Promise.all(lanes);
}

/** A fresh repository with one commit (a README) on `main`, in a new temporary folder. */
export function createRepo(): string {
  const dir = tempDir('repo');
  git(dir, 'init', '-q', '-b', 'main');
  writeFileSync(path.join(dir, 'README.md'), '# fixture\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'initial commit');
  return dir;
}

/**
 * A bare repository with one commit on `main`, as a project's `repo` (longhaul pushes its target
 * branch there), made inside `dir`.
 */
export function createBareRepo(dir: string): string {
  const seed = path.join(dir, 'seed');
  mkdirSync(seed, { recursive: true });
  git(seed, 'init', '-q', '-b', 'main');
  writeFileSync(path.join(seed, 'README.md'), '# fixture\n');
  git(seed, 'add', '-A');
  git(seed, 'commit', '-q', '-m', 'initial');
  const bare = path.join(dir, 'repo.git');
  git(dir, 'clone', '-q', '--bare', seed, bare);
  return bare;
}

/** Files on `branch` of a repository. */
export function filesOnBranch(repo: string, branch: string): string[] {
  return git(repo, 'ls-tree', '-r', '--name-only', branch).split('\n').filter(Boolean);
}
