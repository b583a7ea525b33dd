import * as fs from 'node:fs';
import * as path from 'node:path';

/** Finds the Temporal CLI: `TEMPORAL_CLI_PATH` first, then `temporal` on the PATH. */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`TEMPORAL_CLI_PATH points to ${explicit}, which is not an executable file.`);
    return explicit;
  }
  const names = process.platform === 'win32' ? ['temporal.exe'] : ['temporal'];
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false; // Not there or not runnable: keep looking.
  }
}
