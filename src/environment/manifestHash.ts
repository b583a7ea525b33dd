import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Git } from '../git/core/gitRunner';

/**
 * Files that decide what a setup command installs, by name at any depth (monorepos nest them). Two
 * checkouts with the same manifests and setup command get the same dependencies, so one setup serves
 * both.
 */
const manifestNames: ReadonlySet<string> = new Set([
  'package.json',
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'pnpm-workspace.yaml',
  'bun.lockb',
  '.npmrc',
  'pyproject.toml',
  'setup.py',
  'setup.cfg',
  'Pipfile',
  'Pipfile.lock',
  'poetry.lock',
  'uv.lock',
  'Cargo.toml',
  'Cargo.lock',
  'go.mod',
  'go.sum',
  'Gemfile',
  'Gemfile.lock',
  'composer.json',
  'composer.lock',
]);

export function isManifest(file: string): boolean {
  const name = path.posix.basename(file);
  return manifestNames.has(name) || /^requirements.*\.txt$/.test(name);
}

/** Git's id of a blob with this content, so a checkout's files and a commit's tree hash alike. */
function blobId(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

function digest(setupCommand: string, blobs: Map<string, string>): string {
  const hash = createHash('sha256').update(`setup\0${setupCommand}\0`);
  for (const file of [...blobs.keys()].sort()) hash.update(`${file}\0${blobs.get(file)}\0`);
  return hash.digest('hex').slice(0, 24);
}

/**
 * The key of a checkout's dependencies: its setup command and every manifest as it is now in the
 * checkout (committed or not, tracked or new); files git ignores (installed dependencies' own
 * manifests) are not read.
 */
export async function checkoutManifestHash(git: Git, dir: string, setupCommand: string): Promise<string> {
  const { stdout } = await git(['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
  const blobs = new Map<string, string>();
  for (const file of stdout.split('\0')) {
    if (file.length === 0 || !isManifest(file) || blobs.has(file)) continue;
    try {
      blobs.set(file, blobId(await fs.readFile(path.join(dir, file))));
    } catch (error) {
      // Listed by the index but deleted in the worktree: its absence is what counts.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return digest(setupCommand, blobs);
}

/** The same key for a commit, read from its tree without a checkout. */
export async function commitManifestHash(git: Git, commit: string, setupCommand: string): Promise<string> {
  const { stdout } = await git(['ls-tree', '-r', '-z', '--full-tree', '--end-of-options', commit]);
  const blobs = new Map<string, string>();
  for (const record of stdout.split('\0')) {
    // "<mode> blob <sha>\t<path>"
    const match = /^\d+ blob ([0-9a-f]+)\t(.+)$/s.exec(record);
    if (match && isManifest(match[2])) blobs.set(match[2], match[1]);
  }
  return digest(setupCommand, blobs);
}
