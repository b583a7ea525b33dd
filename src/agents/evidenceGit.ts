import { execFile } from 'child_process';

/** Commit ids and plain ref names only: whatever comes in must not be read by git as an option. */
export function checkRevision(rev: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._/^~@{}-]*$/.test(rev)) throw new Error(`not a usable revision: ${JSON.stringify(rev)}`);
  return rev;
}

/** Read-only git in the judge's checkout; its output is evidence, so failures say which command failed. */
export function gitText(dir: string, args: string[], signal: AbortSignal, maxBuffer = 32 * 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd: dir, signal, maxBuffer }, (err, stdout, stderr) => {
      if (err) reject(new Error(`git ${args.join(' ')} failed: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

/** The contents of `file` at `rev`, or undefined when it does not exist there. */
export async function fileAt(dir: string, rev: string, file: string, signal: AbortSignal): Promise<string | undefined> {
  try {
    return await gitText(dir, ['show', `${checkRevision(rev)}:${file}`], signal);
  } catch (err) {
    signal.throwIfAborted();
    if (/does not exist|exists on disk, but not in/.test((err as Error).message)) return undefined;
    throw err;
  }
}

export interface ChangedFile {
  /** A = added, M = modified, D = deleted, R = renamed, C = copied, T = type changed. */
  status: string;
  path: string;
  /** The path at the base, for renames and copies. */
  from?: string;
}

/** Files changed between two commits, renames detected. */
export async function changedFiles(dir: string, base: string, head: string, signal: AbortSignal): Promise<ChangedFile[]> {
  const out = await gitText(
    dir,
    ['diff', '--name-status', '-M', '-z', '--no-color', checkRevision(base), checkRevision(head), '--'],
    signal,
  );
  const fields = out.split('\0');
  const files: ChangedFile[] = [];
  for (let i = 0; i < fields.length;) {
    const status = fields[i++] ?? '';
    if (status === '') continue;
    const kind = status.charAt(0);
    if (kind === 'R' || kind === 'C') {
      const from = fields[i++] ?? '';
      files.push({ status: kind, path: fields[i++] ?? '', from });
    } else {
      files.push({ status: kind, path: fields[i++] ?? '' });
    }
  }
  return files;
}
