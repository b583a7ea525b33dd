import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GitFailureType, gitFailure } from '../core/gitFailures';
import { safeSegment, shortHash } from '../core/names';

/** Where the project's repository lives, as the user named it and as git is told. */
export interface RepoSource {
  /** What the user passed. */
  original: string;
  /** What git fetches from and pushes to: an absolute path or the URL. */
  url: string;
  /** Set when the repository is on this machine (a path or a file:// URL). */
  localPath?: string;
  /** Stable name of this source's cache on a worker machine. */
  key: string;
}

const urlScheme = /^[a-z][a-z0-9+.-]*:\/\//i;
/** `user@host:path` or `host:path`, git's scp-like syntax (a colon before any slash). */
const scpLike = /^(?:[^@/\s]+@)?[^/:\s]+:(?!\/\/)/;

export function parseRepoSource(repo: string): RepoSource {
  const original = repo.trim();
  if (original.length === 0 || original.startsWith('-') || /[\0\n\r]/.test(original)) {
    throw gitFailure(GitFailureType.badRepository, `repository "${repo}" is not a usable path or git URL`);
  }
  if (urlScheme.test(original)) {
    if (/^file:/i.test(original)) {
      const localPath = fileURLToPath(original);
      requireExisting(localPath, original);
      return { original, url: original, localPath: realpathSync(localPath), key: cacheKey(original) };
    }
    return { original, url: original, key: cacheKey(original) };
  }
  const resolved = path.resolve(original);
  if (existsSync(resolved)) {
    const localPath = realpathSync(resolved);
    return { original, url: localPath, localPath, key: cacheKey(localPath) };
  }
  if (scpLike.test(original)) return { original, url: original, key: cacheKey(original) };
  throw gitFailure(GitFailureType.badRepository, `repository "${repo}" does not exist on this machine and is not a git URL`);
}

function requireExisting(localPath: string, original: string): void {
  if (!existsSync(localPath)) {
    throw gitFailure(GitFailureType.badRepository, `repository "${original}" does not exist on this machine`);
  }
}

function cacheKey(location: string): string {
  const base =
    location
      .replace(/\/+$/, '')
      .replace(/\.git$/, '')
      .split(/[/:]/)
      .pop() ?? 'repo';
  return `${safeSegment(base || 'repo', 40)}-${shortHash(location, 16)}`;
}
