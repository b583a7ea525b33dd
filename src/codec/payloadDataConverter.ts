import type { DataConverter } from '@temporalio/common';
import { AesGcmPayloadCodec } from './aesGcmPayloadCodec';
import type { PayloadKeyRing } from './payloadKeys';

/** The module the SDK loads (in the worker, the client and the workflow sandbox) to encode failures. */
export const encodedFailureConverterPath = require.resolve('./encodedFailureConverter');

/**
 * The data converter of every client and worker: with payload keys, payloads are encrypted and failure
 * messages with them; without, undefined (the SDK's default, everything in plain text).
 */
export function payloadDataConverter(keys: PayloadKeyRing | undefined): DataConverter | undefined {
  if (!keys) return undefined;
  return { payloadCodecs: [new AesGcmPayloadCodec(keys)], failureConverterPath: encodedFailureConverterPath };
}
