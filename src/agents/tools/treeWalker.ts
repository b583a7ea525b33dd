import { promises as fs } from 'fs';
import * as path from 'path';
import ignore, { type Ignore } from 'ignore';

/** One entry of a working tree as the agents see it: what git would track or could track. */
export interface TreeEntry {
  /** Relative to the root, `/`-separated. */
  rel: string;
  abs: string;
  kind: 'file' | 'symlink';
}

/** The rules of one `.gitignore`, which apply to paths under the directory that holds it. */
interface IgnoreScope {
  /** Directory of the rules, relative to the root, `''` for the root. */
  base: string;
  rules: Ignore;
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw err;
  }
}

async function scopeFor(root: string, baseRel: string, extraFiles: string[] = []): Promise<IgnoreScope | undefined> {
  const texts: string[] = [];
  for (const file of [...extraFiles, path.join(root, baseRel, '.gitignore')]) {
    const text = await readIfExists(file);
    if (text !== undefined) texts.push(text);
  }
  if (texts.length === 0) return undefined;
  return { base: baseRel, rules: ignore().add(texts.join('\n')) };
}

/**
 * Git's rule: the deepest `.gitignore` with an opinion about a path wins, so a nested file can
 * re-include what a parent excluded.
 */
function isIgnored(scopes: IgnoreScope[], rel: string, isDir: boolean): boolean {
  let ignored = false;
  for (const scope of scopes) {
    if (scope.base !== '' && !rel.startsWith(`${scope.base}/`)) continue;
    const inner = scope.base === '' ? rel : rel.slice(scope.base.length + 1);
    const verdict = scope.rules.test(isDir ? `${inner}/` : inner);
    if (verdict.ignored) ignored = true;
    else if (verdict.unignored) ignored = false;
  }
  return ignored;
}

/**
 * Walks files under `startRel` in a stable order, honouring every `.gitignore` on the way (and
 * `.git/info/exclude`), never entering `.git` and never following symlinked directories, so the walk
 * stays inside the root and cannot loop.
 */
export async function* walkTree(root: string, startRel: string, signal?: AbortSignal): AsyncGenerator<TreeEntry> {
  const scopes: IgnoreScope[] = [];
  const rootScope = await scopeFor(root, '', [path.join(root, '.git', 'info', 'exclude')]);
  if (rootScope) scopes.push(rootScope);
  const startParts = startRel === '.' || startRel === '' ? [] : startRel.split('/');
  // Rules of the directories above the start apply too.
  for (let i = 1; i <= startParts.length; i++) {
    const prefix = startParts.slice(0, i).join('/');
    if (isIgnored(scopes, prefix, true)) return;
    const scope = await scopeFor(root, prefix);
    if (scope) scopes.push(scope);
  }
  yield* walkDir(root, startParts.join('/'), scopes, signal);
}

async function* walkDir(root: string, dirRel: string, scopes: IgnoreScope[], signal: AbortSignal | undefined): AsyncGenerator<TreeEntry> {
  signal?.throwIfAborted();
  const dirAbs = path.join(root, dirRel);
  const entries = await fs.readdir(dirAbs, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name === '.git') continue;
    const rel = dirRel === '' ? entry.name : `${dirRel}/${entry.name}`;
    const abs = path.join(dirAbs, entry.name);
    if (entry.isDirectory()) {
      if (isIgnored(scopes, rel, true)) continue;
      const scope = await scopeFor(root, rel);
      yield* walkDir(root, rel, scope ? [...scopes, scope] : scopes, signal);
    } else if (entry.isFile() || entry.isSymbolicLink()) {
      if (isIgnored(scopes, rel, false)) continue;
      yield { rel, abs, kind: entry.isFile() ? 'file' : 'symlink' };
    }
  }
}
