import { promises as fs } from 'fs';
import * as path from 'path';
import { resolveExisting } from './tools/pathConfinement';
import { ToolError } from './tools/toolTypes';

/** The file repositories use to tell coding agents how to work in them (agents.md convention). */
export const INSTRUCTIONS_FILE = 'AGENTS.md';
/** Bounds, so instructions never crowd out the task: per file, in all, and folders looked at. */
const MAX_FILE_CHARS = 6_000;
const MAX_TOTAL_CHARS = 12_000;
const MAX_FOLDERS = 30;

/** `src/a/b.ts` → `.`, `src`, `src/a`: every folder whose instructions apply to the path. */
function foldersOf(rel: string): string[] {
  const parts = rel
    .replace(/\\/g, '/')
    .replace(/^\.\/+/, '')
    .split('/')
    .filter((p) => p !== '' && p !== '.');
  const folders = ['.'];
  for (let i = 1; i < parts.length; i++) folders.push(parts.slice(0, i).join('/'));
  return folders;
}

async function readInstructions(dir: string, folder: string): Promise<string | undefined> {
  const rel = folder === '.' ? INSTRUCTIONS_FILE : `${folder}/${INSTRUCTIONS_FILE}`;
  let abs: string;
  try {
    abs = (await resolveExisting(dir, rel)).abs;
  } catch (err) {
    // Most folders have none; one that escapes the repository through a symlink is not read, and says so.
    if (err instanceof ToolError) return /no such file/.test(err.message) ? undefined : `(not read: ${err.message})`;
    throw err;
  }
  const stat = await fs.stat(abs);
  if (!stat.isFile()) return undefined;
  const text = (await fs.readFile(abs, 'utf8')).trim();
  return text.length <= MAX_FILE_CHARS
    ? text
    : `${text.slice(0, MAX_FILE_CHARS)}\n… [${text.length - MAX_FILE_CHARS} more characters in ${rel}]`;
}

/**
 * The `AGENTS.md` files at the repository root and in the folders above each of `paths` (the files
 * or folders a task touches), root first, bounded in size, for a role's prompt. Deeper files come
 * later, so their more specific rules read as refinements.
 */
export async function repositoryInstructions(dir: string, paths: readonly string[]): Promise<string> {
  const folders = [...new Set(['.', ...paths.flatMap((p) => [...foldersOf(p), ...(p.endsWith('/') ? [p.replace(/\/+$/, '')] : [])])])]
    .sort((a, b) => (a === '.' ? -1 : b === '.' ? 1 : a.split('/').length - b.split('/').length || a.localeCompare(b)))
    .slice(0, MAX_FOLDERS);
  const sections: string[] = [];
  let total = 0;
  for (const folder of folders) {
    const text = await readInstructions(dir, folder);
    if (text === undefined) continue;
    const where = folder === '.' ? `${INSTRUCTIONS_FILE} (repository root)` : `${folder}/${INSTRUCTIONS_FILE}`;
    if (total + text.length > MAX_TOTAL_CHARS) {
      sections.push(`${where}: left out for length; read it with read_file.`);
      continue;
    }
    total += text.length;
    sections.push(`### ${where}\n\n${text}`);
  }
  return sections.length > 0 ? sections.join('\n\n') : `(none: no ${INSTRUCTIONS_FILE} at the root or in the folders this work touches)`;
}

/** Exported for the planner, whose area may name a folder. */
export function isFolderPath(dir: string, rel: string): Promise<boolean> {
  return fs
    .stat(path.join(dir, rel))
    .then((s) => s.isDirectory())
    .catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return false;
      throw err;
    });
}
