import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { FileLock, LockTimeoutError } from '../locks/fileLock';
import { SharedLockHolds } from '../locks/sharedLockHolds';
import { GitFailureType, gitFailure } from '../core/gitFailures';
import { IntegrationQueue } from '../integration/integrationQueue';
import { GitCommandError, gitIn, type Git, type GitIdentity } from '../core/gitRunner';
import { requireSha, shortHash } from '../core/names';
import type { RepoSource } from './repoSource';
import { sourceFailure } from './sourceErrors';

export interface RepoCacheSettings {
  identity: GitIdentity;
  /** Kill a git process silent for this long (hung network). */
  gitIdleTimeoutMs: number;
  lockTimeoutMs: number;
}

export interface WorktreeEntry {
  path: string;
  head?: string;
  /** Full ref name, e.g. refs/heads/longhaul/p/c1/t1; absent when detached. */
  branch?: string;
  prunable: boolean;
}

export interface RemoteRefs {
  /** The branch the source's HEAD points at, if it points at one. */
  headBranch?: string;
  /** The commit the source's HEAD points at. */
  headSha?: string;
  /** sha by branch name (without refs/heads/). */
  branches: Map<string, string>;
}

const readyMarker = 'longhaul-cache-ready';

/**
 * One bare clone of a source repository per worker machine, shared by every worker process there.
 * Remote branches are mirrored under refs/remotes/origin/; task branches and worktrees live only here.
 * Anything that rewrites shared refs, config or the worktree list runs under `withLock`.
 */
export class RepoCache {
  readonly git: Git;
  readonly gitDir: string;
  readonly tasksDir: string;
  readonly viewsDir: string;
  /** Holds of the cache lock shared by this process's short jobs: worktree registrations and retirements. */
  readonly sharedHolds: SharedLockHolds;
  private readonly lock: FileLock;

  private constructor(
    readonly source: RepoSource,
    readonly root: string,
    readonly settings: RepoCacheSettings,
  ) {
    this.gitDir = path.join(root, 'cache.git');
    this.tasksDir = path.join(root, 'tasks');
    this.viewsDir = path.join(root, 'views');
    this.git = gitIn(this.gitDir, settings.identity, settings.gitIdleTimeoutMs);
    this.lock = new FileLock(path.join(root, 'locks', 'cache.lock'), { timeoutMs: settings.lockTimeoutMs });
    this.sharedHolds = new SharedLockHolds((fn) => this.withLock(fn));
  }

  /** Opens the cache for `source` under `workdir`, cloning it on first use. */
  static async open(workdir: string, source: RepoSource, settings: RepoCacheSettings): Promise<RepoCache> {
    const cache = new RepoCache(source, path.join(workdir, 'repos', source.key), settings);
    await fs.mkdir(cache.root, { recursive: true });
    if (!existsSync(path.join(cache.gitDir, readyMarker))) {
      await cache.withLock(() => cache.createClone());
    }
    await fs.mkdir(cache.tasksDir, { recursive: true });
    await fs.mkdir(cache.viewsDir, { recursive: true });
    return cache;
  }

  /** Runs `fn` holding this cache's cross-process lock; lock timeouts become retryable failures. */
  async withLock<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await this.lock.withLock(fn, signal);
    } catch (error) {
      if (error instanceof LockTimeoutError) {
        throw gitFailure(GitFailureType.lockTimeout, error.message, error);
      }
      throw error;
    }
  }

  /** A lock that serialises integrations onto one target branch among this machine's processes. */
  integrationLock(targetBranch: string): FileLock {
    return new FileLock(path.join(this.root, 'locks', `integrate-${shortHash(targetBranch, 16)}.lock`), {
      timeoutMs: this.settings.lockTimeoutMs,
    });
  }

  /** The queue through which this machine's processes batch integrations onto `targetBranch`. */
  integrationQueue(targetBranch: string, maxPushAttempts: number): IntegrationQueue {
    return new IntegrationQueue(path.join(this.root, 'queue', shortHash(targetBranch, 16)), this.integrationLock(targetBranch), {
      source: this.source,
      targetBranch,
      maxPushAttempts,
      maxBatch: 64,
    });
  }

  private async createClone(): Promise<void> {
    if (existsSync(path.join(this.gitDir, readyMarker))) return;
    // Build the clone aside and rename it into place, so a crash never leaves a half clone in use.
    const staging = `${this.gitDir}.staging`;
    await fs.rm(staging, { recursive: true, force: true });
    await fs.rm(this.gitDir, { recursive: true, force: true });
    const rootGit = gitIn(this.root, this.settings.identity, this.settings.gitIdleTimeoutMs);
    await rootGit(['init', '--bare', '--', staging]);
    const stagingGit = gitIn(staging, this.settings.identity, this.settings.gitIdleTimeoutMs);
    await stagingGit(['remote', 'add', 'origin', this.source.url]);
    // The cache is shared by concurrent processes: background gc would race them.
    await stagingGit(['config', 'gc.auto', '0']);
    await stagingGit(['config', 'maintenance.auto', 'false']);
    try {
      // Progress output keeps a long first fetch from looking hung to the idle timeout.
      await stagingGit(['fetch', '--no-tags', '--progress', 'origin']);
    } catch (error) {
      await fs.rm(staging, { recursive: true, force: true });
      throw sourceFailure(this.source, error);
    }
    await fs.writeFile(path.join(staging, readyMarker), `${new Date().toISOString()}\n`);
    await fs.rename(staging, this.gitDir);
  }

  /** Asks the source (not the cache) for its HEAD branch and the heads of `branches`. */
  async remoteRefs(branches: readonly string[]): Promise<RemoteRefs> {
    let stdout: string;
    try {
      ({ stdout } = await this.git([
        'ls-remote',
        '--symref',
        '--',
        this.source.url,
        'HEAD',
        ...branches.map((branch) => `refs/heads/${branch}`),
      ]));
    } catch (error) {
      throw sourceFailure(this.source, error);
    }
    const refs: RemoteRefs = { branches: new Map() };
    for (const line of stdout.split('\n')) {
      const symref = /^ref: refs\/heads\/(\S+)\tHEAD$/.exec(line);
      if (symref) {
        refs.headBranch = symref[1];
        continue;
      }
      const head = /^([0-9a-f]+)\tHEAD$/.exec(line);
      if (head) {
        refs.headSha = head[1];
        continue;
      }
      const ref = /^([0-9a-f]+)\trefs\/heads\/(.+)$/.exec(line);
      if (ref && branches.includes(ref[2])) refs.branches.set(ref[2], ref[1]);
    }
    return refs;
  }

  /**
   * Mirrors `branches` into refs/remotes/origin/. Hold the lock. A branch missing on the source raises
   * `missingType` (the caller knows whether that is the base or the target).
   */
  async fetchBranchesLocked(branches: readonly string[], missingType: GitFailureType = GitFailureType.missingTargetBranch): Promise<void> {
    if (branches.length === 0) return;
    try {
      await this.git([
        'fetch',
        '--no-tags',
        '--no-write-fetch-head',
        'origin',
        ...branches.map((branch) => `+refs/heads/${branch}:refs/remotes/origin/${branch}`),
      ]);
    } catch (error) {
      const missing = error instanceof GitCommandError ? /couldn't find remote ref (\S+)/i.exec(error.stderr) : null;
      if (missing) {
        throw gitFailure(
          missingType,
          `branch "${missing[1].replace(/^refs\/heads\//, '')}" does not exist in "${this.source.original}"`,
          error,
        );
      }
      throw sourceFailure(this.source, error);
    }
  }

  /** Mirrors every branch of the source (used when a commit is not found by the usual fetches). */
  async fetchAllLocked(): Promise<void> {
    try {
      await this.git(['fetch', '--no-tags', '--no-write-fetch-head', '--prune', '--progress', 'origin']);
    } catch (error) {
      throw sourceFailure(this.source, error);
    }
  }

  /** The sha of the mirrored branch, or undefined when the cache has no such branch. */
  async mirroredHead(branch: string): Promise<string | undefined> {
    return this.resolveCommit(`refs/remotes/origin/${branch}`);
  }

  async resolveCommit(rev: string): Promise<string | undefined> {
    const { stdout, exitCode } = await this.git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], {
      allowFailure: true,
    });
    return exitCode === 0 ? requireSha(stdout, rev) : undefined;
  }

  async listWorktrees(): Promise<WorktreeEntry[]> {
    const { stdout } = await this.git(['worktree', 'list', '--porcelain', '-z']);
    const entries: WorktreeEntry[] = [];
    let current: WorktreeEntry | undefined;
    for (const field of stdout.split('\0')) {
      if (field.startsWith('worktree ')) {
        current = { path: field.slice('worktree '.length), prunable: false };
        entries.push(current);
      } else if (current && field.startsWith('HEAD ')) {
        current.head = field.slice('HEAD '.length);
      } else if (current && field.startsWith('branch ')) {
        current.branch = field.slice('branch '.length);
      } else if (current && field.startsWith('prunable')) {
        current.prunable = true;
      }
    }
    // The bare repository itself is listed first; only real worktrees matter.
    return entries.filter((entry) => path.resolve(entry.path) !== path.resolve(this.gitDir));
  }
}
