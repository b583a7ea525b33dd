import { checkRevision, gitText } from './evidenceGit';
import { fence } from './promptInputs';

interface FileStat {
  path: string;
  added: number;
  deleted: number;
  binary: boolean;
}

/** `git diff --numstat -z`: `a\td\tpath\0`, or for a rename `a\td\t\0from\0to\0`. */
function parseNumstat(out: string): FileStat[] {
  const fields = out.split('\0');
  const stats: FileStat[] = [];
  for (let i = 0; i < fields.length;) {
    const head = fields[i++] ?? '';
    if (head === '') continue;
    const [a = '', d = '', inline = ''] = head.split('\t');
    let file = inline;
    if (inline === '') {
      i++; // the rename's old path
      file = fields[i++] ?? '';
    }
    stats.push({ path: file, added: Number(a) || 0, deleted: Number(d) || 0, binary: a === '-' });
  }
  return stats;
}

/** Splits a patch at its `diff --git` headers, keyed by the new path. */
function splitPatch(patch: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const chunk of patch.split(/^(?=diff --git )/m)) {
    const header = /^diff --git (?:"?a\/.*?"?) "?b\/(.*?)"?\n/.exec(chunk);
    if (header) parts.set(header[1] as string, chunk.trimEnd());
  }
  return parts;
}

const statLine = (s: FileStat): string => (s.binary ? `${s.path} (binary)` : `${s.path} +${s.added} -${s.deleted}`);

export interface ChangeExcerptRequest {
  dir: string;
  baseCommit: string;
  headCommit: string;
  /** Characters of diff shown; files that do not fit are summarised by their stat, largest first. */
  budgetChars: number;
  signal: AbortSignal;
}

/**
 * The change itself, bounded: as many files' diffs as fit in the budget, smallest first so the most
 * files are shown whole, and the rest (the largest) summarised by their line counts.
 */
export async function buildChangeExcerpt(req: ChangeExcerptRequest): Promise<string> {
  const [base, head] = [checkRevision(req.baseCommit), checkRevision(req.headCommit)];
  const stats = parseNumstat(await gitText(req.dir, ['diff', '--numstat', '-z', '-M', base, head, '--'], req.signal));
  if (stats.length === 0) return '(no changes in this cycle)';
  // A file whose changed lines alone exceed the budget cannot be shown; leave it out of the patch.
  const hopeless = stats.filter((s) => s.binary || (s.added + s.deleted) * 2 > req.budgetChars).slice(0, 500);
  const excludes = hopeless.map((s) => `:(exclude,literal)${s.path}`);
  let patches = new Map<string, string>();
  if (hopeless.length < stats.length) {
    try {
      const patch = await gitText(
        req.dir,
        ['diff', '-M', '--no-color', '--no-ext-diff', base, head, '--', '.', ...excludes],
        req.signal,
        64 * 1024 * 1024,
      );
      patches = splitPatch(patch);
    } catch (err) {
      req.signal.throwIfAborted();
      // Too large to read at all: every file is summarised instead.
      if (!/maxBuffer/i.test((err as Error).message)) throw err;
    }
  }
  const shown = new Set<string>();
  let used = 0;
  for (const [file, text] of [...patches].sort((a, b) => a[1].length - b[1].length)) {
    if (used + text.length > req.budgetChars) break;
    used += text.length;
    shown.add(file);
  }
  const diff = [...patches].filter(([file]) => shown.has(file)).map(([, text]) => text);
  const summarised = stats
    .filter((s) => !shown.has(s.path))
    .sort((a, b) => b.added + b.deleted - (a.added + a.deleted))
    .map(statLine);
  const parts: string[] = [];
  if (diff.length > 0) parts.push(fence(diff.join('\n')));
  if (summarised.length > 0) {
    const listed = summarised.slice(0, 200).map((line) => `- ${line}`);
    if (summarised.length > 200) listed.push(`- … and ${summarised.length - 200} more`);
    parts.push(`Not shown in full (too large for the excerpt), largest first — read them in the repository:\n${listed.join('\n')}`);
  }
  return parts.join('\n\n');
}
