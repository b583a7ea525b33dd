import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { RepoCache } from '../git/source/repoCache';

/**
 * Lets each worktree of the cache have config of its own (`git config --worktree`), which a
 * checkout's exclusions need: `info/exclude` is shared by every worktree of a repository. With the
 * extension on, `core.bare` of the shared config would apply to every linked worktree too, so it
 * moves into the bare repository's own `config.worktree` first, as git's documentation advises.
 * Idempotent; each step keeps every worktree usable for git processes running meanwhile.
 */
export async function enablePerCheckoutConfig(cache: RepoCache): Promise<void> {
  const marker = path.join(cache.gitDir, 'longhaul-worktree-config');
  if (existsSync(marker)) return;
  await cache.withLock(async () => {
    if (existsSync(marker)) return;
    await cache.git(['config', '--file', path.join(cache.gitDir, 'config.worktree'), 'core.bare', 'true']);
    await cache.git(['config', '--unset-all', 'core.bare'], { allowFailure: true });
    await cache.git(['config', 'extensions.worktreeConfig', 'true']);
    await fs.writeFile(marker, `${new Date().toISOString()}\n`);
  });
}
