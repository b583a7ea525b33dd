import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { longhaulSearchAttributeDefinitions } from '../contract/searchAttributes';

export interface DevServerOptions {
  cliPath: string;
  /** gRPC port; 0 picks a free one. */
  port?: number;
  /** Web UI port; omitted with `headless`. Defaults to port + 1000, as the CLI does. */
  uiPort?: number;
  headless?: boolean;
  /** SQLite file for persistent state; in memory when omitted. */
  dbFilename?: string;
  namespace?: string;
  dynamicConfig?: Record<string, string | number | boolean>;
  /** Where the server's own output goes; discarded when omitted. */
  logFile?: string;
  startupTimeoutMs?: number;
  /** Outlive the starting process (the CLI's embedded server); the caller records the pid. */
  detached?: boolean;
  /** A codec server the Web UI decodes payloads with (`longhaul codec-server`); ignored when headless. */
  uiCodecEndpoint?: string;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `temporal server start-dev` with longhaul's search attributes registered, and waits until
 * it answers. We start it ourselves (rather than through the SDK's 5-second wait) because on a busy
 * machine the first start takes longer than that.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const port = options.port || (await freePort());
  const uiPort = options.uiPort ?? port + 1000;
  const args = devServerArgs({ ...options, port, uiPort });
  if (options.dbFilename) fs.mkdirSync(path.dirname(options.dbFilename), { recursive: true });

  const out = options.logFile ? fs.openSync(options.logFile, 'a') : 'ignore';
  // Detached: in its own process group, so Ctrl-C on the command that started it does not stop it.
  const child = spawn(options.cliPath, args, { stdio: ['ignore', out, out], detached: options.detached ?? false });
  if (typeof out === 'number') fs.closeSync(out);
  if (options.detached) child.unref();
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) =>
      reject(
        new Error(
          `temporal server start-dev exited early (code ${code}, signal ${signal})${options.logFile ? `; see ${options.logFile}` : ''}`,
        ),
      ),
    );
    child.once('error', reject);
  });
  exited.catch(() => undefined); // Raced below; afterwards the exit is expected.

  const address = `127.0.0.1:${port}`;
  try {
    await Promise.race([waitUntilServing(address, options.startupTimeoutMs ?? 60_000), exited]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address,
    uiUrl: options.headless ? undefined : `http://localhost:${uiPort}`,
    process: child,
    stop: () => stopProcess(child),
  };
}

/** The `temporal server start-dev` arguments for these options, with longhaul's search attributes. */
export function devServerArgs(options: DevServerOptions & { port: number; uiPort: number }): string[] {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', 'warn'];
  if (options.namespace && options.namespace !== 'default') args.push('--namespace', options.namespace);
  if (options.headless) args.push('--headless');
  else {
    args.push('--ui-port', String(options.uiPort));
    if (options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  }
  if (options.dbFilename) args.push('--db-filename', options.dbFilename, '--sqlite-pragma', 'journal_mode=WAL');
  for (const attribute of longhaulSearchAttributeDefinitions) args.push('--search-attribute', attribute);
  for (const [key, value] of Object.entries(options.dynamicConfig ?? {}))
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  return args;
}

/** True when a Temporal frontend answers on `address` within `timeoutMs`. */
export async function temporalAnswers(address: string, timeoutMs: number): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    const open = connection;
    await open.withDeadline(Date.now() + timeoutMs, () => open.workflowService.getSystemInfo({}));
    return true;
  } catch {
    return false; // Nothing there (yet): the caller starts one or keeps waiting.
  } finally {
    await connection?.close();
  }
}

async function waitUntilServing(address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await temporalAnswers(address, 1_000)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Temporal dev server at ${address} did not answer within ${timeoutMs} ms`);
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Ports are picked below Linux's default ephemeral range (32768 and up): a port the kernel handed
 * out for `listen(0)` may be taken by any outgoing connection before the server binds it, which
 * on a busy machine makes the dev server fail with "address already in use".
 */
const pickRange = { from: 20_000, to: 32_000 };

/** A free port on 127.0.0.1 (and, with `alsoFree`, the port that far above it, e.g. the Web UI's). */
export async function freePort(alsoFree?: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = pickRange.from + Math.floor(Math.random() * (pickRange.to - pickRange.from));
    if ((await canListen(port)) && (alsoFree === undefined || (await canListen(port + alsoFree)))) return port;
  }
  throw new Error(`no free port found between ${pickRange.from} and ${pickRange.to}`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
