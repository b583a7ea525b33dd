import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Lines git writes around conflicting hunks (merge and diff3 styles). */
const markerLine = /^(<{7}|>{7}|\|{7})(?: |$)/m;

/** Files among `files` (relative to `dir`) that still contain conflict markers. */
export async function filesWithConflictMarkers(dir: string, files: readonly string[]): Promise<string[]> {
  const marked: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await fs.readFile(path.join(dir, file), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Deleting a conflicted file is a valid resolution.
      if (code === 'ENOENT' || code === 'EISDIR') continue;
      throw error;
    }
    if (markerLine.test(text)) marked.push(file);
  }
  return marked;
}
