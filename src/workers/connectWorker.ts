import * as fs from 'node:fs';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import type { LonghaulConfig } from '../config/longhaulConfig';

/** Opens the worker's connection to Temporal, with TLS and an API key (Temporal Cloud) when configured. */
export async function connectWorker(config: LonghaulConfig, address: string): Promise<NativeConnection> {
  const { tls, apiKey } = config.temporal;
  const options: NativeConnectionOptions = { address };
  if (tls || apiKey) {
    options.tls =
      typeof tls === 'object'
        ? {
            serverNameOverride: tls.serverName,
            serverRootCACertificate: tls.serverRootCACertPath ? fs.readFileSync(tls.serverRootCACertPath) : undefined,
            clientCertPair:
              tls.clientCertPath && tls.clientKeyPath
                ? { crt: fs.readFileSync(tls.clientCertPath), key: fs.readFileSync(tls.clientKeyPath) }
                : undefined,
          }
        : true;
  }
  if (apiKey) options.apiKey = apiKey;
  return NativeConnection.connect(options);
}
