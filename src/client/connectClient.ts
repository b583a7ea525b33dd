import * as fs from 'node:fs';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { payloadDataConverter } from '../codec/payloadDataConverter';
import type { LonghaulConfig } from '../config/longhaulConfig';

/** Where `connectClient` goes when the config names no server: the local dev server's default port. */
export const defaultLocalAddress = '127.0.0.1:7233';

export interface ConnectClientOptions {
  /** Overrides `config.temporal.address` (e.g. the address of a dev server the caller started). */
  address?: string;
  /** How long to wait for the server before failing; default 10 s. */
  connectTimeoutMs?: number;
}

/**
 * Opens a Temporal client for the configured server and namespace, with TLS and an API key (Temporal
 * Cloud) when the config asks for them, and encrypting payloads when it holds payload keys
 * (`LONGHAUL_PAYLOAD_KEYS`). Close it with `client.connection.close()`.
 *
 * @example
 * const client = await connectClient(loadConfig());
 * try { console.log(await getProject(client, 'my-project').status()); }
 * finally { await client.connection.close(); }
 */
export async function connectClient(config: LonghaulConfig, options: ConnectClientOptions = {}): Promise<Client> {
  const address = options.address ?? config.temporal.address ?? defaultLocalAddress;
  const connection = await Connection.connect(connectionOptions(config, address, options.connectTimeoutMs ?? 10_000));
  return new Client({ connection, namespace: config.temporal.namespace, dataConverter: payloadDataConverter(config.payloadKeys) });
}

function connectionOptions(config: LonghaulConfig, address: string, connectTimeoutMs: number): ConnectionOptions {
  const { tls, apiKey } = config.temporal;
  const options: ConnectionOptions = { address, connectTimeout: connectTimeoutMs };
  if (typeof tls === 'object') {
    options.tls = {
      serverNameOverride: tls.serverName,
      serverRootCACertificate: tls.serverRootCACertPath ? readPem(tls.serverRootCACertPath, 'serverRootCACertPath') : undefined,
      clientCertPair:
        tls.clientCertPath && tls.clientKeyPath
          ? { crt: readPem(tls.clientCertPath, 'clientCertPath'), key: readPem(tls.clientKeyPath, 'clientKeyPath') }
          : undefined,
    };
  } else if (tls || apiKey) {
    // An API key is only ever sent over TLS.
    options.tls = true;
  }
  if (apiKey) options.apiKey = apiKey;
  return options;
}

function readPem(file: string, setting: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`temporal.tls.${setting} (${file}) cannot be read: ${(err as Error).message}`, { cause: err });
  }
}
