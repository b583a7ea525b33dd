import { AesGcmPayloadCodec } from '../../codec/aesGcmPayloadCodec';
import { startCodecServer } from '../../codec/codecServer';
import { payloadKeysVariable } from '../../codec/payloadKeys';
import { cliConfig, type CliIo, type GlobalOptions } from '../cliContext';
import { CliError, UsageError } from '../cliError';
import { exitCodes } from '../exitCodes';

export interface CodecServerOptions {
  port: number;
  host: string;
  origin: string[];
  token?: string;
}

/** The environment variable read for the bearer token when `--token` is not given (it stays out of `ps`). */
export const codecTokenVariable = 'LONGHAUL_CODEC_TOKEN';

/**
 * `codec-server`: serves Temporal's codec protocol with the keys of `LONGHAUL_PAYLOAD_KEYS`, so the
 * Web UI (`--ui-codec-endpoint`) and `temporal … --codec-endpoint` read and write encrypted payloads.
 * Runs until Ctrl-C or SIGTERM.
 */
export async function codecServerCommand(options: CodecServerOptions, globals: GlobalOptions, io: CliIo): Promise<number> {
  const config = cliConfig(globals, io);
  if (!config.payloadKeys) {
    throw new UsageError(
      `${payloadKeysVariable} is not set: the codec server needs the keys payloads are encrypted with (see \`longhaul codec-server --help\`).`,
    );
  }
  const token = options.token ?? (io.env[codecTokenVariable]?.trim() || undefined);
  if (!token && !isLoopback(options.host)) {
    throw new UsageError(`--host ${options.host} lets other machines decrypt payloads: give --token (or ${codecTokenVariable}) too.`);
  }
  const namespace = config.temporal.namespace;
  let server;
  try {
    server = await startCodecServer({
      codec: new AesGcmPayloadCodec(config.payloadKeys),
      port: options.port,
      host: options.host,
      origins: options.origin,
      token,
      namespace,
      onError: (message) => io.stderr.write(`${message}\n`),
    });
  } catch (err) {
    throw new CliError(`The codec server cannot listen on ${options.host}:${options.port}: ${(err as Error).message}`);
  }
  const keys = config.payloadKeys;
  io.stdout.write(
    `Codec server on ${server.url} for namespace ${namespace}: encrypts with key "${keys.encryptingKeyId}", decrypts ${keys.keyIds.map((id) => `"${id}"`).join(', ')}.\n` +
      `Web UI origins: ${options.origin.join(', ')}${token ? ' · bearer token required' : ''}. Ctrl-C stops it.\n` +
      `  temporal workflow show --workflow-id <id> --codec-endpoint ${server.url}${token ? ' --codec-auth "Bearer <token>"' : ''}\n` +
      `  temporal server start-dev --ui-codec-endpoint ${server.url}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  io.stdout.write('Codec server stopped.\n');
  return exitCodes.ok;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
