import { createHash, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure, type PayloadCodec } from '@temporalio/common';
import { describeIssues } from '../schemas/describeIssues';
import { CodecBody, payloadFromJson, payloadToJson } from './codecProtocol';

/** Requests are batches of payloads of at most 2 MB each; the UI sends a page of history at once. */
const maxBodyBytes = 16 * 1024 * 1024;

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1: the server decrypts for whoever reaches it. */
  host?: string;
  /** Browser origins allowed to call it (the Web UI's), exactly as the browser sends them. */
  origins: readonly string[];
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token?: string;
  /** When set, requests naming another namespace (path or `X-Namespace`) are refused. */
  namespace?: string;
  /** Told about each refused or failed request (never its payloads). */
  onError?: (message: string) => void;
}

export interface RunningCodecServer {
  /** Base URL to give `--codec-endpoint` / `--ui-codec-endpoint`. */
  url: string;
  close(): Promise<void>;
}

/** `/encode`, `/decode`, and the same under `/{namespace}/` (the CLI's templated endpoint). */
const routePattern = /^\/(?:([^/]+)\/)?(encode|decode)\/?$/;

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * Serves Temporal's codec server protocol over HTTP with `codec`, so the Web UI and the Temporal CLI
 * show (and can send) payloads encrypted at rest: `POST /encode` and `POST /decode` with
 * `{"payloads": [...]}` in proto3 JSON, CORS for the Web UI's origin, an optional bearer token.
 */
export async function startCodecServer(options: CodecServerOptions): Promise<RunningCodecServer> {
  const server = http.createServer((req, res) => {
    void handle(options, req, res);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function handle(options: CodecServerOptions, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const origin = req.headers.origin;
  const corsHeaders = origin !== undefined && options.origins.includes(origin) ? allowOrigin(origin) : {};
  try {
    const route = routePattern.exec(new URL(req.url ?? '/', 'http://codec').pathname);
    if (!route) throw new HttpProblem(404, 'Not found: the codec server answers POST /encode and POST /decode (also under /{namespace}/).');
    if (origin !== undefined && !options.origins.includes(origin)) {
      throw new HttpProblem(403, `Origin ${origin} is not allowed; start the codec server with --origin ${origin}.`);
    }
    if (req.method === 'OPTIONS') {
      // A CORS preflight carries no credentials: answer it before checking the token.
      res.writeHead(204, { ...corsHeaders, 'access-control-max-age': '600' }).end();
      return;
    }
    if (req.method !== 'POST') throw new HttpProblem(405, `${req.method} is not allowed; use POST.`, { allow: 'POST, OPTIONS' });
    checkToken(options.token, req.headers.authorization);
    checkNamespace(options.namespace, route[1], req.headers['x-namespace']);

    const body = parseBody(await readBody(req));
    const payloads = body.payloads.map(payloadFromJson);
    const transformed = route[2] === 'encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
    const answer: CodecBody = { payloads: transformed.map(payloadToJson) };
    res.writeHead(200, { ...corsHeaders, 'content-type': 'application/json' }).end(JSON.stringify(answer));
  } catch (err) {
    const problem =
      err instanceof HttpProblem
        ? err
        : err instanceof URIError
          ? new HttpProblem(400, `The path is not valid: ${err.message}`)
          : err instanceof ApplicationFailure
            ? new HttpProblem(400, err.message) // A payload the keys cannot decrypt: the caller's data, not the server.
            : new HttpProblem(500, `The codec failed: ${(err as Error).message}`);
    options.onError?.(`${req.method} ${req.url} → ${problem.status}: ${problem.message}`);
    res
      .writeHead(problem.status, { ...corsHeaders, ...problem.headers, 'content-type': 'application/json' })
      .end(JSON.stringify({ error: problem.message }));
  }
}

function allowOrigin(origin: string): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': 'content-type, x-namespace, authorization',
    'access-control-allow-credentials': 'true',
    vary: 'Origin',
  };
}

function checkToken(token: string | undefined, authorization: string | undefined): void {
  if (token === undefined) return;
  const given = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim() ?? '';
  // Compare digests, so the comparison takes the same time whatever the token's length.
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  if (!timingSafeEqual(digest(given), digest(token))) {
    throw new HttpProblem(
      401,
      'Missing or wrong bearer token (send "Authorization: Bearer <token>"; the Temporal CLI: --codec-auth "Bearer <token>").',
      {
        'www-authenticate': 'Bearer',
      },
    );
  }
}

function checkNamespace(served: string | undefined, fromPath: string | undefined, fromHeader: string | string[] | undefined): void {
  if (served === undefined) return;
  for (const asked of [fromPath ? decodeURIComponent(fromPath) : undefined, typeof fromHeader === 'string' ? fromHeader : undefined]) {
    if (asked !== undefined && asked !== served)
      throw new HttpProblem(403, `This codec server serves namespace "${served}", not "${asked}".`);
  }
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new HttpProblem(413, `The request is larger than ${maxBodyBytes / 1024 / 1024} MB.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(text: string): CodecBody {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new HttpProblem(400, `The body is not JSON: ${(err as Error).message}`);
  }
  const parsed = CodecBody.safeParse(json);
  if (!parsed.success) {
    throw new HttpProblem(
      400,
      `The body must be {"payloads": [{"metadata": {...}, "data": "<base64>"}]}: ${describeIssues(parsed.error, '(body)')}`,
    );
  }
  return parsed.data;
}
