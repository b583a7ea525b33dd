import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * How checkouts share the prepared files: reflinks (copy-on-write clones: btrfs, XFS, APFS) where the
 * file system has them, else hardlinks. A plain copy costs about as much as the install itself (both
 * are mostly writing thousands of small files), so it is not an option. Hardlinked files are shared
 * with the store: tools replace installed files (npm, pip unlink and rewrite), and whatever this code
 * rewrites in a copy is unlinked first, but a command writing into an installed file in place would
 * change it for later copies too.
 */
export type ShareMode = 'reflink' | 'hardlink';

/** Tries a reflink in `dir` once: the answer holds for the whole file system. */
export async function shareModeIn(dir: string): Promise<ShareMode> {
  const probe = path.join(dir, `.reflink-probe-${process.pid}`);
  await fs.writeFile(probe, 'probe\n');
  try {
    await run('cp', process.platform === 'darwin' ? ['-c', probe, `${probe}.copy`] : ['--reflink=always', probe, `${probe}.copy`]);
    return 'reflink';
  } catch {
    // Refused: this file system has no reflinks; hardlinks it is.
    return 'hardlink';
  } finally {
    await fs.rm(probe, { force: true });
    await fs.rm(`${probe}.copy`, { force: true });
  }
}

/** Gives `to` the file or folder `from` (symlinks as symlinks, modes kept), sharing its data as `mode` says. */
export async function copyTree(from: string, to: string, mode: ShareMode): Promise<void> {
  await fs.rm(to, { recursive: true, force: true });
  await fs.mkdir(path.dirname(to), { recursive: true });
  let args: string[];
  if (process.platform === 'darwin') args = mode === 'reflink' ? ['-cRp', from, to] : ['-Rp', from, to];
  else args = [mode === 'reflink' ? '--reflink=always' : '--link', '-a', '-T', '--', from, to];
  try {
    await run('cp', args, { maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`copying ${from} to ${to} failed: ${stderr.trim().slice(0, 1_000) || (error as Error).message}`, { cause: error });
  }
}

/**
 * Text files under `roots` (relative to `dir`) that name `dir` itself: the shebangs of a venv's
 * scripts, an editable install's `.pth`. A copy must have them point at its own checkout. Binary files
 * are left alone (a compiled file's length-prefixed strings cannot be rewritten in place; a stale path
 * there only shows in tracebacks).
 */
export async function filesNaming(dir: string, roots: readonly string[]): Promise<string[]> {
  if (roots.length === 0) return [];
  try {
    const { stdout } = await run('grep', ['-rlIZF', '--', dir, ...roots.map((root) => root.replace(/\/$/, ''))], {
      cwd: dir,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout.split('\0').filter((file) => file.length > 0);
  } catch (error) {
    // grep exits 1 when nothing matched.
    if ((error as { code?: number }).code === 1) return [];
    throw error;
  }
}

/** Symlinks under `roots` whose absolute target lies inside `dir`. */
export async function linksInto(dir: string, roots: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const full = path.join(dir, rel);
    const stat = await fs.lstat(full);
    if (stat.isSymbolicLink()) {
      const target = await fs.readlink(full);
      if (path.isAbsolute(target) && (target === dir || target.startsWith(`${dir}/`))) found.push(rel);
    } else if (stat.isDirectory()) {
      for (const name of await fs.readdir(full)) await walk(path.join(rel, name));
    }
  };
  for (const root of roots) await walk(root.replace(/\/$/, ''));
  return found;
}

/** Points what `filesNaming` and `linksInto` found in a copy at the copy's own checkout. */
export async function relocate(
  fromDir: string,
  toDir: string,
  moved: { files: readonly string[]; links: readonly string[] },
): Promise<void> {
  for (const rel of moved.files) {
    const file = path.join(toDir, rel);
    const text = await fs.readFile(file, 'utf8');
    const { mode } = await fs.stat(file);
    // A new file, not a write through a hardlink into the store's copy.
    await fs.rm(file);
    await fs.writeFile(file, text.split(fromDir).join(toDir), { mode });
  }
  for (const rel of moved.links) {
    const link = path.join(toDir, rel);
    const target = await fs.readlink(link);
    await fs.rm(link);
    await fs.symlink(toDir + target.slice(fromDir.length), link);
  }
}
