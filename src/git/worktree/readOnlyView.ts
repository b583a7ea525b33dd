import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { GitFailureType, gitFailure } from '../core/gitFailures';
import { gitIn } from '../core/gitRunner';
import { isOwnerAlive, newOwner, readOwner, retireOwner, writeOwner, type OwnerRecord } from '../locks/ownerRecord';
import type { RepoCache } from '../source/repoCache';
import type { ReadOnlyView } from '../workspaceContract';

function usersDirOf(viewDir: string): string {
  return `${viewDir}.users`;
}

async function liveUsers(viewDir: string): Promise<OwnerRecord[]> {
  let names: string[];
  try {
    names = await fs.readdir(usersDirOf(viewDir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const alive: OwnerRecord[] = [];
  for (const name of names.filter((candidate) => candidate.endsWith('.json'))) {
    const file = path.join(usersDirOf(viewDir), name);
    const owner = await readOwner(file);
    if (owner && isOwnerAlive(owner)) alive.push(owner);
    // A crashed user's record would otherwise pin the view forever.
    else await fs.rm(file, { force: true });
  }
  return alive;
}

/**
 * Detached worktrees at exact commits for planners and the judge. One view per commit is shared by
 * every concurrent reader on the machine (reference-counted by user records under the cache lock)
 * and kept for a while after the last release, since the planners of a cycle all look at one commit.
 * A shared view found modified while others read it is not touched; the newcomer gets a private copy.
 */
export class ReadOnlyViews {
  constructor(
    private readonly cache: RepoCache,
    private readonly idleTtlMs: number,
  ) {}

  async open(commit: string): Promise<ReadOnlyView> {
    const sha = await this.resolve(commit);
    const owner = newOwner();
    let dir = '';
    let isPrivate = false;
    try {
      await this.cache.withLock(async () => {
        const shared = path.join(this.cache.viewsDir, sha);
        const registered = (await this.cache.listWorktrees()).find((entry) => path.resolve(entry.path) === shared && !entry.prunable);
        if (registered && existsSync(shared)) {
          const git = gitIn(shared, this.cache.settings.identity);
          const { stdout } = await git(['status', '--porcelain', '--untracked-files=all']);
          if (stdout.trim().length === 0) {
            dir = shared;
          } else if ((await liveUsers(shared)).length === 0) {
            await git(['reset', '--hard', 'HEAD']);
            await git(['clean', '-fdx']);
            dir = shared;
          } else {
            dir = `${shared}-${owner.token.slice(0, 8)}`;
            isPrivate = true;
            await this.create(dir, sha);
          }
        } else {
          await this.create(shared, sha);
          dir = shared;
        }
        await fs.mkdir(usersDirOf(dir), { recursive: true });
        await writeOwner(path.join(usersDirOf(dir), `${owner.token}.json`), owner);
      });
    } catch (error) {
      retireOwner(owner);
      throw error;
    }
    let released = false;
    return {
      dir,
      release: async () => {
        if (released) return;
        released = true;
        try {
          await this.cache.withLock(async () => {
            await fs.rm(path.join(usersDirOf(dir), `${owner.token}.json`), { force: true });
            if (isPrivate) await this.remove(dir);
            else {
              // The users directory's mtime records the last release, for idle expiry.
              const now = new Date();
              await fs.utimes(usersDirOf(dir), now, now);
            }
          });
        } finally {
          retireOwner(owner);
        }
      },
    };
  }

  /** Removes views nobody uses: private ones at once, shared ones after the idle period. Hold the lock. */
  async pruneLocked(): Promise<void> {
    const registered = (await this.cache.listWorktrees()).filter((entry) => path.dirname(path.resolve(entry.path)) === this.cache.viewsDir);
    const known = new Set(registered.map((entry) => path.basename(entry.path)));
    for (const entry of registered) {
      const viewDir = path.resolve(entry.path);
      if ((await liveUsers(viewDir)).length > 0) continue;
      const isShared = /^[0-9a-f]+$/.test(path.basename(viewDir));
      let stamp = 0;
      try {
        stamp = (await fs.stat(usersDirOf(viewDir))).mtimeMs;
      } catch (error) {
        // No users directory: the view never got a reader, so it counts as long idle.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      if (!isShared || Date.now() - stamp > this.idleTtlMs) await this.remove(viewDir);
    }
    for (const name of await fs.readdir(this.cache.viewsDir)) {
      const base = name.replace(/\.users$/, '');
      if (!known.has(base)) await fs.rm(path.join(this.cache.viewsDir, name), { recursive: true, force: true });
    }
  }

  private async resolve(commit: string): Promise<string> {
    const local = await this.cache.resolveCommit(commit);
    if (local !== undefined) return local;
    await this.cache.withLock(() => this.cache.fetchAllLocked());
    const fetched = await this.cache.resolveCommit(commit);
    if (fetched === undefined) {
      throw gitFailure(GitFailureType.unknownCommit, `commit ${commit} is not in any branch of "${this.cache.source.original}"`);
    }
    return fetched;
  }

  private async create(dir: string, sha: string): Promise<void> {
    await fs.rm(dir, { recursive: true, force: true });
    await this.cache.git(['worktree', 'prune']);
    await this.cache.git(['worktree', 'add', '--detach', '--', dir, sha]);
  }

  private async remove(dir: string): Promise<void> {
    await this.cache.git(['worktree', 'remove', '--force', '--', dir]);
    await fs.rm(usersDirOf(dir), { recursive: true, force: true });
  }
}
