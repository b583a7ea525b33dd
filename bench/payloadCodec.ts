/**
 * Cost of payload encryption: encodes and decodes typical payloads (a 2 KB plan, a 200 KB summary, a
 * 1.5 MB payload near Temporal's 2 MB limit) with the AES-256-GCM codec, and prints MB/s each way and
 * the bytes it adds per payload.
 *
 *   npx ts-node --transpile-only bench/payloadCodec.ts [--seconds 2]
 */
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { AesGcmPayloadCodec } from '../src/codec/aesGcmPayloadCodec';
import { parsePayloadKeys } from '../src/codec/payloadKeys';

async function main(): Promise<void> {
  const index = process.argv.indexOf('--seconds');
  const seconds = index >= 0 ? Number(process.argv[index + 1]) : 2;
  if (!(seconds > 0)) throw new Error('--seconds must be a positive number');
  const codec = new AesGcmPayloadCodec(parsePayloadKeys(`bench:${randomBytes(32).toString('base64')}`));
  for (const [label, bytes] of [
    ['2 KB plan', 2_000],
    ['200 KB summary', 200_000],
    ['1.5 MB payload', 1_500_000],
  ] as const) {
    const payload = defaultPayloadConverter.toPayload({ text: randomBytes(bytes / 2).toString('hex') })!;
    const size = payload.data!.length;
    const [sealed] = await codec.encode([payload]);
    const measure = async (fn: () => Promise<unknown>): Promise<number> => {
      let count = 0;
      const start = process.hrtime.bigint();
      const budget = BigInt(Math.round(seconds * 1e9));
      while (process.hrtime.bigint() - start < budget) {
        await fn();
        count++;
      }
      const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
      return (count * size) / elapsed / 1e6;
    };
    const encodeMBs = await measure(() => codec.encode([payload]));
    const decodeMBs = await measure(() => codec.decode([sealed]));
    const overhead = sealed.data!.length + Object.entries(sealed.metadata!).reduce((n, [k, v]) => n + k.length + v!.length, 0) - size;
    console.log(
      `${label.padEnd(16)} encode ${encodeMBs.toFixed(0).padStart(5)} MB/s · decode ${decodeMBs.toFixed(0).padStart(5)} MB/s · +${overhead} bytes per payload`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
