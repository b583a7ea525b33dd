import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readCheckoutGit, type CheckoutGit } from './checkoutGit';
import { SandboxUnavailableError, type CommandSandbox, type SandboxedProcess, type SandboxRequest } from './commandSandbox';

export interface BubblewrapOptions {
  /** Folders no command may see: longhaul's caches and worktrees, its state folder. */
  hide: string[];
  /** Data size limit per process (RLIMIT_DATA), in MiB. */
  memoryMb: number;
  /** Process limit (RLIMIT_NPROC; Linux counts it per user, and does not apply it to root). */
  maxProcesses: number;
}

export const defaultBubblewrapLimits = { memoryMb: 8_192, maxProcesses: 4_096 } as const;

/** Identity for commits an agent makes inside; the harness squashes them into the task commit anyway. */
const agentGitIdentity = { name: 'longhaul agent', email: 'agent@longhaul.invalid' };

type Mount = { kind: 'tmpfs'; dest: string } | { kind: 'bind' | 'ro-bind'; src: string; dest: string };

function depth(p: string): number {
  return p.split('/').filter((part) => part !== '').length;
}

/** Later mounts cover earlier ones: parents first, and a hidden folder before what is shown inside it. */
function ordered(mounts: Mount[]): Mount[] {
  return mounts
    .map((mount, index) => ({ mount, index }))
    .sort((a, b) => depth(a.mount.dest) - depth(b.mount.dest) || rank(a.mount) - rank(b.mount) || a.index - b.index)
    .map(({ mount }) => mount);
}

function rank(mount: Mount): number {
  return mount.kind === 'tmpfs' ? 0 : 1;
}

function mountArgs(mount: Mount): string[] {
  return mount.kind === 'tmpfs' ? ['--tmpfs', mount.dest] : [`--${mount.kind}`, mount.src, mount.dest];
}

async function realDir(p: string): Promise<string | undefined> {
  try {
    const real = await fs.realpath(p);
    return (await fs.stat(real)).isDirectory() ? real : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function findOnPath(name: string): string | undefined {
  return (process.env.PATH ?? '')
    .split(':')
    .filter((dir) => dir !== '')
    .map((dir) => path.join(dir, name))
    .find((file) => existsSync(file));
}

const missingPackage =
  'the command sandbox needs bubblewrap: install the Debian/Ubuntu package `bubblewrap` (apt-get install bubblewrap; ' +
  'other distributions ship it under the same name), or turn the sandbox off explicitly (sandbox.enabled: false)';

/**
 * Commands in a bubblewrap sandbox: the whole filesystem read-only, a private /tmp and home, the
 * checkout writable, and only the git metadata the checkout needs (or, when asked, the checkout and
 * all its git metadata read-only). longhaul's caches, state, other tasks' worktrees and a local
 * origin (the user's checkout) are covered by empty folders; the git config and hooks stay
 * read-only, so nothing written inside runs later in the harness's own git.
 * Own pid, ipc and uts namespaces, no capabilities, and no network unless asked for.
 */
export class BubblewrapSandbox implements CommandSandbox {
  readonly kind = 'bubblewrap' as const;
  private usable?: Promise<string>;

  constructor(private readonly options: BubblewrapOptions) {}

  async check(): Promise<void> {
    await this.executable();
  }

  /** The bwrap executable, once a trial sandbox ran; rejects with what is missing. */
  private executable(): Promise<string> {
    this.usable ??= this.trial();
    return this.usable;
  }

  private trial(): Promise<string> {
    const bwrap = findOnPath('bwrap');
    if (bwrap === undefined) return Promise.reject(new SandboxUnavailableError(`bwrap was not found on PATH; ${missingPackage}`));
    const args = ['--ro-bind', '/', '/', '--unshare-pid', '--unshare-net', '--cap-drop', 'ALL', '--die-with-parent', '--', 'true'];
    return new Promise((resolve, reject) => {
      execFile(bwrap, args, { timeout: 30_000 }, (err, _stdout, stderr) => {
        if (!err) resolve(bwrap);
        else
          reject(
            new SandboxUnavailableError(`bwrap cannot create a sandbox here (${stderr.trim() || err.message}); ${missingPackage}`, {
              cause: err,
            }),
          );
      });
    });
  }

  async prepare(req: SandboxRequest): Promise<SandboxedProcess> {
    const bwrap = await this.executable();
    const dir = await fs.realpath(req.dir);
    const home = req.env.HOME ?? os.homedir();
    const git = await readCheckoutGit(dir);
    const mounts: Mount[] = [];
    const hidden = [home, '/tmp', '/var/tmp', '/run', ...this.options.hide, ...(git?.localOrigin ? [git.localOrigin] : [])];
    for (const candidate of hidden) {
      const real = await realDir(candidate);
      // Covering the root would hide the tools themselves; it is never what a setting meant.
      if (real !== undefined && real !== '/') mounts.push({ kind: 'tmpfs', dest: real });
    }
    const readOnly = req.readOnly === true;
    if (git) mounts.push(...(readOnly ? readOnlyGitMounts(git, dir) : gitMounts(git, dir)));
    mounts.push({ kind: readOnly ? 'ro-bind' : 'bind', src: dir, dest: dir });
    if (readOnly) mounts.push(...(await scratchMounts(dir)));
    // The checkout's `.git` names the git dir the harness's own git uses: nothing inside may redirect it.
    if (git?.linked) mounts.push({ kind: 'ro-bind', src: git.dotGit, dest: git.dotGit });

    const args = [
      '--ro-bind',
      '/',
      '/',
      '--dev',
      '/dev',
      '--proc',
      '/proc',
      ...ordered(mounts).flatMap(mountArgs),
      '--unshare-pid',
      '--unshare-ipc',
      '--unshare-uts',
      '--unshare-cgroup-try',
      ...(req.network ? [] : ['--unshare-net']),
      '--cap-drop',
      'ALL',
      '--die-with-parent',
      '--new-session',
      '--chdir',
      dir,
      '--',
      '/bin/bash',
      '-c',
      limitsScript(this.options),
      'longhaul-sandbox',
      req.command,
    ];
    const env = {
      ...req.env,
      HOME: home,
      TMPDIR: '/tmp',
      GIT_AUTHOR_NAME: agentGitIdentity.name,
      GIT_AUTHOR_EMAIL: agentGitIdentity.email,
      GIT_COMMITTER_NAME: agentGitIdentity.name,
      GIT_COMMITTER_EMAIL: agentGitIdentity.email,
      // Reflogs for new refs would be created in the shared git dir, which stays read-only.
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'core.logAllRefUpdates',
      GIT_CONFIG_VALUE_0: 'false',
    };
    // bwrap itself starts with the clean environment, so not even its /proc entry holds a secret.
    return { file: bwrap, args, cwd: dir, env };
  }
}

/** Limits are set inside, on the shell that then becomes the command. */
function limitsScript(options: BubblewrapOptions): string {
  return `ulimit -c 0 -d ${options.memoryMb * 1024} -u ${options.maxProcesses} && exec /bin/bash -c "$1"`;
}

/**
 * Caches test runners keep inside a checkout, given a private empty folder in a read-only one where
 * they already exist (a mount point cannot be made in a read-only folder; the rest lands in /tmp and
 * home by default). bubblewrap before 0.10 has no overlay mounts to make the whole checkout so.
 */
const checkoutCaches = ['node_modules/.cache', 'node_modules/.vite', '.pytest_cache', '.mypy_cache', '.ruff_cache'];

async function scratchMounts(dir: string): Promise<Mount[]> {
  const mounts: Mount[] = [];
  for (const cache of checkoutCaches) {
    const real = await realDir(path.join(dir, cache));
    // A cache that is a link out of the checkout is not the checkout's to cover.
    if (real !== undefined && real.startsWith(`${dir}/`)) mounts.push({ kind: 'tmpfs', dest: real });
  }
  return mounts;
}

/** A checkout that must not change: git can read everything it needs there, and write nothing. */
function readOnlyGitMounts(git: CheckoutGit, dir: string): Mount[] {
  const inside = (p: string): boolean => p === dir || p.startsWith(`${dir}/`);
  if (inside(git.commonDir)) return [];
  const mounts: Mount[] = [{ kind: 'ro-bind', src: git.commonDir, dest: git.commonDir }];
  const others = path.join(git.commonDir, 'worktrees');
  if (existsSync(others)) mounts.push({ kind: 'tmpfs', dest: others });
  if (git.gitDir !== git.commonDir) mounts.push({ kind: 'ro-bind', src: git.gitDir, dest: git.gitDir });
  return mounts;
}

/**
 * A linked worktree commits through the shared git dir: objects and refs writable there, the rest
 * (config, hooks, other checkouts' private dirs) read-only or hidden.
 */
function gitMounts(git: CheckoutGit, dir: string): Mount[] {
  const mounts: Mount[] = [];
  const inside = (p: string): boolean => p === dir || p.startsWith(`${dir}/`);
  if (!inside(git.commonDir)) {
    mounts.push({ kind: 'ro-bind', src: git.commonDir, dest: git.commonDir });
    const others = path.join(git.commonDir, 'worktrees');
    if (existsSync(others)) mounts.push({ kind: 'tmpfs', dest: others });
    for (const writable of ['objects', 'refs', 'logs']) {
      const p = path.join(git.commonDir, writable);
      if (existsSync(p)) mounts.push({ kind: 'bind', src: p, dest: p });
    }
  } else {
    // A plain clone: its git dir is inside the checkout, writable with it, except what runs code later.
    for (const guarded of ['config', 'hooks']) {
      const p = path.join(git.commonDir, guarded);
      if (existsSync(p)) mounts.push({ kind: 'ro-bind', src: p, dest: p });
    }
  }
  if (git.gitDir !== git.commonDir) mounts.push({ kind: 'bind', src: git.gitDir, dest: git.gitDir });
  return mounts;
}
