import { promises as fs } from 'node:fs';
import path from 'node:path';

/** A linked worktree's private git directory, named in its `.git` file (`gitdir: <path>`). */
export async function privateGitDir(worktreeDir: string): Promise<string> {
  const text = await fs.readFile(path.join(worktreeDir, '.git'), 'utf8');
  const match = /^gitdir: (.+)$/m.exec(text);
  if (!match) throw new Error(`${worktreeDir}/.git does not name a git directory`);
  return path.resolve(worktreeDir, match[1].trim());
}
