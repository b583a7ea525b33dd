import type { Client } from '@temporalio/client';
import { connectClient } from '../client/connectClient';
import { loadConfig, type LonghaulConfig } from '../config/longhaulConfig';
import { CliError, UsageError } from './cliError';
import type { OutputStream } from './outputStream';
import { resolveTemporalTarget, type TemporalTarget } from './temporalTarget';

/** Options every command accepts. */
export interface GlobalOptions {
  config?: string;
}

/** What a command needs from its surroundings; tests and the real entry point fill it alike. */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface Connected {
  config: LonghaulConfig;
  target: TemporalTarget;
  client: Client;
  close(): Promise<void>;
}

/** The config from `--config`, `LONGHAUL_CONFIG` or `./longhaul.config.json`, and the environment. */
export function cliConfig(globals: GlobalOptions, io: CliIo): LonghaulConfig {
  try {
    return loadConfig({ cwd: io.cwd, env: io.env, file: globals.config });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Resolves the server (starting the local one if none is configured) and connects a client to it. */
export async function connect(config: LonghaulConfig, io: CliIo): Promise<Connected> {
  const target = await resolveTemporalTarget(config, io.env, (message) => io.stderr.write(`${message}\n`));
  let client: Client;
  try {
    client = await connectClient(config, { address: target.address });
  } catch (err) {
    const hint = target.embedded
      ? 'The local dev server may have stopped; run the command again to restart it.'
      : 'Check TEMPORAL_ADDRESS (or temporal.address in longhaul.config.json), TLS and TEMPORAL_API_KEY, or unset the address to use a local dev server.';
    throw new CliError(`Cannot reach Temporal at ${target.address}: ${(err as Error).message}. ${hint}`);
  }
  return { config, target, client, close: () => client.connection.close() };
}

/** Runs `fn` with a connected client and closes the connection afterwards. */
export async function withConnection<T>(config: LonghaulConfig, io: CliIo, fn: (connected: Connected) => Promise<T>): Promise<T> {
  const connected = await connect(config, io);
  try {
    return await fn(connected);
  } finally {
    await connected.close();
  }
}
