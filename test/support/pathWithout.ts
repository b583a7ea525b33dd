import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Runs `fn` with PATH naming only an empty folder, as on a machine where no tool is installed. */
export async function withEmptyPath<T>(fn: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  const empty = mkdtempSync(path.join(os.tmpdir(), 'longhaul-empty-path-'));
  process.env.PATH = empty;
  try {
    return await fn();
  } finally {
    process.env.PATH = saved;
    rmSync(empty, { recursive: true, force: true });
  }
}
