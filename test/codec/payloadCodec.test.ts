import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { ApplicationFailure, defaultPayloadConverter, type Payload } from '@temporalio/common';
import { AesGcmPayloadCodec } from '../../src/codec/aesGcmPayloadCodec';
import { payloadDecryptionFailedType, payloadKeyUnknownType } from '../../src/codec/codecFailureTypes';
import { parsePayloadKeys, PayloadKeyRing, PayloadKeysError } from '../../src/codec/payloadKeys';
import { loadConfig } from '../../src/config/longhaulConfig';
import { runInProcess } from '../cli/inProcessCli';
import { failureOf } from '../support/failureOf';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');
const secretGoal = 'Port the billing engine to Rust before the audit';

const payload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value)!;
const valueOf = (p: Payload): unknown => defaultPayloadConverter.fromPayload(p);
const bytesText = (p: Payload): string =>
  Buffer.concat([Buffer.from(p.data ?? []), ...Object.values(p.metadata ?? {}).map((v) => Buffer.from(v ?? []))]).toString('latin1');

test('payloads round-trip encrypted: nothing of the value or its encoding shows, only the key id', async () => {
  const codec = new AesGcmPayloadCodec(parsePayloadKeys(`a:${keyA}`));
  const input = [payload({ goal: secretGoal }), payload(null), payload('x'.repeat(100_000))];
  const encoded = await codec.encode(input);
  for (const p of encoded) {
    expect(Buffer.from(p.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(Buffer.from(p.metadata!['encryption-key-id']!).toString()).toBe('a');
    expect(bytesText(p)).not.toContain('billing');
    expect(bytesText(p)).not.toContain('json/plain');
  }
  // A fresh IV every time: the same value never encrypts to the same bytes.
  const again = await codec.encode([payload({ goal: secretGoal })]);
  expect(Buffer.from(again[0].data!).equals(Buffer.from(encoded[0].data!))).toBe(false);
  expect((await codec.decode(encoded)).map(valueOf)).toEqual([{ goal: secretGoal }, null, 'x'.repeat(100_000)]);
});

test('rotation: the first key encrypts, older keys still decrypt what they wrote', async () => {
  const before = new AesGcmPayloadCodec(parsePayloadKeys(`old:${keyA}`));
  const after = new AesGcmPayloadCodec(parsePayloadKeys(`new:${keyB},old:${keyA}`));
  const writtenBefore = await before.encode([payload('written under old')]);
  const writtenAfter = await after.encode([payload('written under new')]);
  expect(Buffer.from(writtenAfter[0].metadata!['encryption-key-id']!).toString()).toBe('new');
  expect((await after.decode([...writtenBefore, ...writtenAfter])).map(valueOf)).toEqual(['written under old', 'written under new']);
  // Payloads from before encryption was turned on stay readable.
  expect((await after.decode([payload('plain from before')])).map(valueOf)).toEqual(['plain from before']);
});

test('an unknown key id, a wrong key or a tampered payload fail with clear non-retryable errors that never show a key', async () => {
  const writer = new AesGcmPayloadCodec(parsePayloadKeys(`a:${keyA}`));
  const [sealed] = await writer.encode([payload({ goal: secretGoal })]);

  const unknown = await failureOf(new AesGcmPayloadCodec(parsePayloadKeys(`b:${keyB}`)).decode([sealed]));
  expect(unknown.type).toBe(payloadKeyUnknownType);
  expect(unknown.nonRetryable).toBe(true);
  expect(unknown.message).toMatch(/encrypted with key "a", which LONGHAUL_PAYLOAD_KEYS does not hold \(it holds "b"\)/);

  const wrongKey = await failureOf(new AesGcmPayloadCodec(parsePayloadKeys(`a:${keyB}`)).decode([sealed]));
  expect(wrongKey.type).toBe(payloadDecryptionFailedType);
  expect(wrongKey.nonRetryable).toBe(true);
  expect(wrongKey.message).toMatch(/key "a" cannot be decrypted: the key with that id in LONGHAUL_PAYLOAD_KEYS is not the one/);

  const flipped = Buffer.from(sealed.data!);
  flipped[20] ^= 1;
  const tampered = await failureOf(writer.decode([{ ...sealed, data: flipped }]));
  expect(tampered.type).toBe(payloadDecryptionFailedType);

  // The key id is authenticated: relabelling a payload to another key of the ring fails too.
  const ring = new AesGcmPayloadCodec(parsePayloadKeys(`a:${keyA},b:${keyA}`));
  const relabelled = await failureOf(ring.decode([{ ...sealed, metadata: { ...sealed.metadata, 'encryption-key-id': Buffer.from('b') } }]));
  expect(relabelled.type).toBe(payloadDecryptionFailedType);

  const truncated = await failureOf(writer.decode([{ ...sealed, data: Buffer.from(sealed.data!).subarray(0, 10) }]));
  expect(truncated.message).toMatch(/truncated/);

  for (const failure of [unknown, wrongKey, tampered, relabelled, truncated]) {
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.message).not.toContain(keyA);
    expect(failure.message).not.toContain(keyB);
  }
});

test('LONGHAUL_PAYLOAD_KEYS is parsed with errors that name it and the entry, never the key material', () => {
  const problem = (raw: string): string => {
    try {
      parsePayloadKeys(raw);
    } catch (err) {
      expect(err).toBeInstanceOf(PayloadKeysError);
      return (err as Error).message;
    }
    throw new Error(`"${raw}" was accepted`);
  };
  const short = randomBytes(16).toString('base64');
  expect(problem(`a:${short}`)).toMatch(/^LONGHAUL_PAYLOAD_KEYS is invalid \(entry 1: key "a" must be 32 bytes in standard base64/);
  expect(problem(`a:${short}`)).not.toContain(short);
  expect(problem(`a:${keyA},${keyB}`)).toMatch(/entry 2: expected "<id>:<base64 key>"/);
  expect(problem(`a:${keyA},a:${keyB}`)).toMatch(/key id "a" appears twice/);
  expect(problem(' , ')).toMatch(/no key given/);
  expect(problem(`bad id:${keyA}`)).toMatch(/entry 1: expected/);
  expect(problem(`a:${keyA.slice(0, -2)}!!`)).toMatch(/key "a" must be 32 bytes/);

  const ring = parsePayloadKeys(` k2:${keyB} , k1:${keyA} `);
  expect(ring.encryptingKeyId).toBe('k2');
  expect(ring.keyIds).toEqual(['k2', 'k1']);
  // A config that is logged or serialised shows key ids, never keys.
  const config = loadConfig({ cwd: '/', env: { LONGHAUL_PAYLOAD_KEYS: `k2:${keyB},k1:${keyA}` } });
  expect(JSON.stringify(config)).toContain('"payloadKeys":{"keyIds":["k2","k1"]}');
  for (const shown of [JSON.stringify(config), inspect(config, { depth: 10 }), String(config.payloadKeys)]) {
    expect(shown).not.toContain(keyA);
    expect(shown).not.toContain(keyB);
    expect(shown).not.toContain(Buffer.from(keyA, 'base64').toString('hex'));
  }
  expect(loadConfig({ cwd: '/', env: {} }).payloadKeys).toBeUndefined();
  expect(() => new PayloadKeyRing([{ id: 'short', key: randomBytes(16) }])).toThrow(/Payload key "short" needs .* 32 bytes/);
});

test('the CLI refuses a bad LONGHAUL_PAYLOAD_KEYS as bad usage, and codec-server needs keys', async () => {
  const bad = await runInProcess(['list'], { LONGHAUL_PAYLOAD_KEYS: 'k1:short' });
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/LONGHAUL_PAYLOAD_KEYS is invalid \(entry 1: key "k1" must be 32 bytes/);

  const noKeys = await runInProcess(['codec-server', '--port', '0']);
  expect(noKeys.code).toBe(2);
  expect(noKeys.stderr).toMatch(/LONGHAUL_PAYLOAD_KEYS is not set/);

  const exposed = await runInProcess(['codec-server', '--host', '0.0.0.0'], { LONGHAUL_PAYLOAD_KEYS: `k1:${keyA}` });
  expect(exposed.code).toBe(2);
  expect(exposed.stderr).toMatch(/--host 0\.0\.0\.0 lets other machines decrypt payloads: give --token/);

  const badOrigin = await runInProcess(['codec-server', '--origin', 'http://localhost:8233/namespaces'], {
    LONGHAUL_PAYLOAD_KEYS: `k1:${keyA}`,
  });
  expect(badOrigin.code).toBe(2);
  expect(badOrigin.stderr).toMatch(/expected an origin \(scheme, host and port, no path\), such as http:\/\/localhost:8233/);

  const help = await runInProcess(['codec-server', '--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/--origin <origin>/);
  expect(help.stdout).toMatch(/--codec-endpoint/);
});
