import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Git } from '../git/core/gitRunner';

/**
 * Paths git does not track in a checkout, untracked or ignored, with untracked and ignored folders
 * collapsed to one entry (`node_modules/`, `.venv/`): what a setup leaves is the difference of two
 * such listings.
 */
export async function looseEntries(git: Git): Promise<Set<string>> {
  const { stdout } = await git(['status', '--porcelain=v1', '-z', '--ignored=traditional', '--untracked-files=normal']);
  const entries = new Set<string>();
  for (const record of stdout.split('\0')) {
    if (record.startsWith('?? ') || record.startsWith('!! ')) entries.add(record.slice(3));
  }
  return entries;
}

/** Top-level entries only: a folder listed once covers whatever is below it. */
export function withoutNested(entries: Iterable<string>): string[] {
  const sorted = [...new Set(entries)].sort();
  return sorted.filter((entry) => !sorted.some((other) => other !== entry && other.endsWith('/') && entry.startsWith(other)));
}

/** The worktree's exclude file: outside the checkout, so the agent cannot see or change it. */
function excludeFileOf(worktreeGitDir: string): string {
  return path.join(worktreeGitDir, 'longhaul-exclude');
}

/**
 * Makes git ignore `outputs` in this checkout only, so setup output (a `.venv/` the repository does not
 * ignore, `*.egg-info/`) is never staged, committed or cleaned away. Needs per-checkout config on the
 * cache (see `enablePerCheckoutConfig`).
 */
export async function excludeOutputs(git: Git, worktreeGitDir: string, outputs: readonly string[]): Promise<void> {
  const file = excludeFileOf(worktreeGitDir);
  const lines = outputs.map((entry) => `/${entry.replace(/([*?[\\!#])/g, '\\$1')}`);
  await fs.writeFile(file, `# setup output of this checkout (longhaul)\n${lines.join('\n')}\n`);
  await git(['config', '--worktree', 'core.excludesFile', file]);
}
