import { promises as fs } from 'fs';
import * as path from 'path';
import { ToolError } from './toolTypes';

/** A path an agent named, checked to lie inside its working directory. */
export interface ConfinedPath {
  /** Absolute path under the real (symlink-free) root. */
  abs: string;
  /** Path relative to the root, with `/` separators; `.` for the root itself. */
  rel: string;
}

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!path.isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${path.sep}`));
}

function toRel(root: string, abs: string): string {
  const rel = path.relative(root, abs);
  return rel === '' ? '.' : rel.split(path.sep).join('/');
}

async function realRoot(root: string): Promise<string> {
  return fs.realpath(root);
}

/**
 * Lexical check only: refuses absolute paths and `..` escapes. Symlinks are checked by the callers
 * below, because whether a link escapes depends on what exists on disk.
 */
function lexicallyConfined(root: string, requested: string): ConfinedPath {
  if (requested.includes('\0')) throw new ToolError(`path contains a NUL byte: ${JSON.stringify(requested)}`);
  const trimmed = requested.trim();
  if (path.isAbsolute(trimmed) || /^[A-Za-z]:[\\/]/.test(trimmed)) {
    throw new ToolError(`absolute paths are not allowed (${trimmed}); use a path relative to the working directory`);
  }
  const abs = path.resolve(root, trimmed === '' ? '.' : trimmed);
  if (!isInside(root, abs)) {
    throw new ToolError(`path escapes the working directory: ${trimmed}`);
  }
  return { abs, rel: toRel(root, abs) };
}

async function assertRealpathInside(root: string, abs: string, requested: string): Promise<void> {
  const real = await fs.realpath(abs);
  if (!isInside(root, real)) {
    throw new ToolError(`path resolves outside the working directory (through a symlink): ${requested}`);
  }
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR';
}

async function entryExists(abs: string): Promise<boolean> {
  try {
    await fs.lstat(abs);
    return true;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}

/** Resolves a path that must already exist, following symlinks only when they stay inside the root. */
export async function resolveExisting(root: string, requested: string): Promise<ConfinedPath> {
  const base = await realRoot(root);
  const confined = lexicallyConfined(base, requested);
  try {
    await assertRealpathInside(base, confined.abs, requested);
  } catch (err) {
    if (isMissing(err)) throw new ToolError(`no such file or directory: ${confined.rel}`);
    throw err;
  }
  return confined;
}

/**
 * Resolves a file path to be written or created. An existing target must resolve inside the root;
 * for a new one, the nearest existing ancestor directory must, so a symlinked parent cannot leak the
 * write. Paths inside `.git` are refused: the repository's metadata is not the agent's to edit.
 */
export async function resolveForWrite(root: string, requested: string): Promise<ConfinedPath> {
  const base = await realRoot(root);
  const confined = lexicallyConfined(base, requested);
  if (confined.rel === '.') throw new ToolError('a file path is required, not the working directory itself');
  if (confined.rel.split('/').includes('.git')) {
    throw new ToolError(`writing inside .git is not allowed: ${confined.rel}`);
  }
  let probe = confined.abs;
  for (;;) {
    try {
      await assertRealpathInside(base, probe, requested);
      return confined;
    } catch (err) {
      if (!isMissing(err)) throw err;
      // An entry that exists but cannot be resolved is a dangling symlink; writing through it would
      // create its target, wherever that is.
      if (await entryExists(probe)) {
        throw new ToolError(`path is a symlink to a missing target: ${toRel(base, probe)}`);
      }
      const parent = path.dirname(probe);
      if (parent === probe) throw new ToolError(`no existing parent directory for ${confined.rel}`);
      probe = parent;
    }
  }
}
