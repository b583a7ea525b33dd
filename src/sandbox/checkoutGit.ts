import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the git metadata of a checkout lives, and what it must be able to change there. */
export interface CheckoutGit {
  /** `.git` of the checkout: a file naming the private git dir (linked worktree), or the directory itself. */
  dotGit: string;
  /** A linked worktree (`.git` is a file), as every checkout longhaul makes is. */
  linked: boolean;
  /** The checkout's own git directory: HEAD, index, rebase state. */
  gitDir: string;
  /** The repository's shared git directory: config, hooks, refs, objects. */
  commonDir: string;
  /** The remote's path when `origin` is a folder on this machine (the user's own checkout). */
  localOrigin?: string;
}

function originUrl(commonDir: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', ['config', '--file', path.join(commonDir, 'config'), '--get', 'remote.origin.url'], (err, stdout) => {
      // Exit code 1 means no such key: a repository without an origin.
      resolve(err ? undefined : stdout.trim() || undefined);
    });
  });
}

function localPathOf(url: string, commonDir: string): string | undefined {
  if (url.startsWith('file://')) return fileURLToPath(url);
  // scp-like (`host:path`) and scheme URLs name other machines.
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url) || /^[^/]+:/.test(url)) return undefined;
  return path.resolve(commonDir, url);
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Reads a checkout's git layout; undefined when `dir` is not the top of a git checkout. */
export async function readCheckoutGit(dir: string): Promise<CheckoutGit | undefined> {
  const dotGit = path.join(dir, '.git');
  const stat = await fs.stat(dotGit).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (stat === undefined) return undefined;
  let gitDir = dotGit;
  if (stat.isFile()) {
    const match = /^gitdir: (.+)$/m.exec((await readText(dotGit)) ?? '');
    if (!match) return undefined;
    gitDir = path.resolve(dir, match[1].trim());
  }
  const common = (await readText(path.join(gitDir, 'commondir')))?.trim();
  const commonDir = await fs.realpath(common ? path.resolve(gitDir, common) : gitDir);
  const url = await originUrl(commonDir);
  const origin = url === undefined ? undefined : localPathOf(url, commonDir);
  const localOrigin = origin === undefined ? undefined : await fs.realpath(origin).catch(() => undefined);
  return { dotGit, linked: stat.isFile(), gitDir: await fs.realpath(gitDir), commonDir, ...(localOrigin ? { localOrigin } : {}) };
}
