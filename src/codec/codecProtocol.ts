import type { Payload } from '@temporalio/common';
import { z } from 'zod';

/** Proto3 JSON writes bytes as base64, standard or URL-safe, padded or not. */
const Base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'expected base64');

/** One payload in proto3 JSON: every metadata value and the data are base64 bytes. */
export const JsonPayload = z.object({
  metadata: z.record(z.string(), Base64).optional(),
  data: Base64.optional(),
});
export type JsonPayload = z.infer<typeof JsonPayload>;

/** The body of a codec request and of its answer (Temporal's codec server protocol). */
export const CodecBody = z.object({ payloads: z.array(JsonPayload) });
export type CodecBody = z.infer<typeof CodecBody>;

export function payloadFromJson(json: JsonPayload): Payload {
  const metadata = Object.fromEntries(Object.entries(json.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]));
  return { metadata, data: Buffer.from(json.data ?? '', 'base64') };
}

export function payloadToJson(payload: Payload): JsonPayload {
  const metadata = Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value ?? []).toString('base64')]),
  );
  return { metadata, data: Buffer.from(payload.data ?? []).toString('base64') };
}
