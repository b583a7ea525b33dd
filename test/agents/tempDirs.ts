import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Real temporary directories, removed after each test file. */
export class TempDirs {
  private readonly made: string[] = [];

  async make(prefix = 'longhaul-agents-'): Promise<string> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
    this.made.push(dir);
    // Resolved so comparisons are not thrown off by a symlinked tmpdir (macOS /var -> /private/var).
    return fs.realpath(dir);
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.made.splice(0).map((dir) => fs.rm(dir, { recursive: true, force: true })));
  }
}

/** Writes files given as `{ 'a/b.txt': 'content' }` under `root`. */
export async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, rel);
    await fs.mkdir(path.dirname(abs), { recursive: true });
    await fs.writeFile(abs, content);
  }
}
