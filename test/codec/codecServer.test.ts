import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { AesGcmPayloadCodec } from '../../src/codec/aesGcmPayloadCodec';
import { payloadFromJson, payloadToJson, type CodecBody } from '../../src/codec/codecProtocol';
import { startCodecServer, type RunningCodecServer } from '../../src/codec/codecServer';
import { parsePayloadKeys } from '../../src/codec/payloadKeys';

const uiOrigin = 'http://localhost:8233';
const token = randomBytes(16).toString('hex');
const codec = new AesGcmPayloadCodec(parsePayloadKeys(`k1:${randomBytes(32).toString('base64')}`));
const errors: string[] = [];
let server: RunningCodecServer;
let open: RunningCodecServer;

beforeAll(async () => {
  server = await startCodecServer({ codec, port: 0, origins: [uiOrigin], token, namespace: 'default', onError: (m) => errors.push(m) });
  open = await startCodecServer({ codec, port: 0, origins: [uiOrigin] });
});
afterAll(async () => {
  await server.close();
  await open.close();
});

const auth = { authorization: `Bearer ${token}` };
const jsonBody = (...values: unknown[]): string =>
  JSON.stringify({ payloads: values.map((v) => payloadToJson(defaultPayloadConverter.toPayload(v)!)) });
const post = (base: RunningCodecServer, path: string, body: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${base.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
const values = async (res: Response): Promise<unknown[]> =>
  ((await res.json()) as CodecBody).payloads.map((p) => defaultPayloadConverter.fromPayload(payloadFromJson(p)));

test('encode and decode speak proto3 JSON (base64 bytes), at the root and under /{namespace}/', async () => {
  const encoded = await post(server, '/encode', jsonBody({ goal: 'secret goal' }, 'plain'), { ...auth, 'x-namespace': 'default' });
  expect(encoded.status).toBe(200);
  expect(encoded.headers.get('content-type')).toBe('application/json');
  const body = (await encoded.json()) as CodecBody;
  expect(body.payloads).toHaveLength(2);
  // Metadata values are base64 too: "binary/encrypted", and the key id.
  expect(Buffer.from(body.payloads[0].metadata!.encoding, 'base64').toString()).toBe('binary/encrypted');
  expect(Buffer.from(body.payloads[0].metadata!['encryption-key-id'], 'base64').toString()).toBe('k1');
  expect(JSON.stringify(body)).not.toContain(Buffer.from('secret goal').toString('base64').slice(0, 12));

  for (const path of ['/decode', '/default/decode', '/default/decode/']) {
    const decoded = await post(server, path, JSON.stringify(body), auth);
    expect(decoded.status).toBe(200);
    expect(await values(decoded)).toEqual([{ goal: 'secret goal' }, 'plain']);
  }
  // What the server encodes the SDK codec decodes, and the other way round.
  const sdkSealed = await codec.encode([defaultPayloadConverter.toPayload('from a worker')!]);
  expect(await values(await post(server, '/decode', JSON.stringify({ payloads: sdkSealed.map(payloadToJson) }), auth))).toEqual([
    'from a worker',
  ]);
  expect(await post(server, '/decode', JSON.stringify({ payloads: [] }), auth).then((r) => r.json())).toEqual({ payloads: [] });
});

test('the Web UI origin gets CORS answers, preflight included; other origins are refused', async () => {
  const preflight = await fetch(`${server.url}/decode`, {
    method: 'OPTIONS',
    headers: {
      origin: uiOrigin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type,x-namespace,authorization',
    },
  });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-origin')).toBe(uiOrigin);
  expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
  expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type, x-namespace, authorization');
  expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');

  const fromUi = await post(server, '/decode', jsonBody('x'), { ...auth, origin: uiOrigin, 'x-namespace': 'default' });
  expect(fromUi.status).toBe(200);
  expect(fromUi.headers.get('access-control-allow-origin')).toBe(uiOrigin);
  expect(fromUi.headers.get('vary')).toBe('Origin');

  const otherPreflight = await fetch(`${server.url}/decode`, {
    method: 'OPTIONS',
    headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
  });
  expect(otherPreflight.status).toBe(403);
  expect(otherPreflight.headers.get('access-control-allow-origin')).toBeNull();
  const otherPost = await post(server, '/decode', jsonBody('x'), { ...auth, origin: 'http://evil.example' });
  expect(otherPost.status).toBe(403);
  expect(((await otherPost.json()) as { error: string }).error).toMatch(
    /Origin http:\/\/evil.example is not allowed; start the codec server with --origin/,
  );
});

test('with a token, requests without the right bearer token get 401; without one, none is needed', async () => {
  for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: token }] as Record<string, string>[]) {
    const res = await post(server, '/decode', jsonBody('x'), headers);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(((await res.json()) as { error: string }).error).toMatch(/--codec-auth "Bearer <token>"/);
  }
  expect((await post(open, '/decode', jsonBody('x'))).status).toBe(200);
  expect(errors.some((e) => e.includes('401'))).toBe(true);
  expect(errors.join('\n')).not.toContain(token);
});

test('bad requests get clear 4xx answers: wrong path, method, namespace, body, or a payload the keys cannot read', async () => {
  const error = async (res: Response): Promise<string> => ((await res.json()) as { error: string }).error;
  const notFound = await post(server, '/api/decode/x', jsonBody('x'), auth);
  expect(notFound.status).toBe(404);
  const get = await fetch(`${server.url}/decode`, { headers: auth });
  expect(get.status).toBe(405);
  expect(get.headers.get('allow')).toBe('POST, OPTIONS');

  const otherNamespace = await post(server, '/prod/decode', jsonBody('x'), auth);
  expect(otherNamespace.status).toBe(403);
  expect(await error(otherNamespace)).toBe('This codec server serves namespace "default", not "prod".');
  expect((await post(server, '/decode', jsonBody('x'), { ...auth, 'x-namespace': 'prod' })).status).toBe(403);

  const notJson = await post(server, '/decode', '{"payloads": [', auth);
  expect(notJson.status).toBe(400);
  expect(await error(notJson)).toMatch(/^The body is not JSON/);
  const wrongShape = await post(server, '/decode', JSON.stringify({ payloads: [{ data: 'not base64!' }] }), auth);
  expect(wrongShape.status).toBe(400);
  expect(await error(wrongShape)).toMatch(/payloads\.0\.data: expected base64/);

  const otherKeys = new AesGcmPayloadCodec(parsePayloadKeys(`k0:${randomBytes(32).toString('base64')}`));
  const foreign = await otherKeys.encode([defaultPayloadConverter.toPayload('x')!]);
  const unreadable = await post(server, '/decode', JSON.stringify({ payloads: foreign.map(payloadToJson) }), auth);
  expect(unreadable.status).toBe(400);
  expect(await error(unreadable)).toMatch(/encrypted with key "k0", which LONGHAUL_PAYLOAD_KEYS does not hold/);
});
