/**
 * A local stand-in for the OpenAI Chat Completions and Anthropic Messages HTTP APIs, so the real SDK clients
 * can be exercised end to end: tool calls, usage with cached tokens, error statuses and slow answers.
 * It checks incoming requests against the rules the real APIs enforce (tool results must answer the tool
 * calls before them, at most 4 cache breakpoints, ...) and answers 400 when a request breaks them.
 * Test fixture only: nothing under src/ may import it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { openAIToolErrorPrefix } from '../../src/models/openaiClient';

export interface FakeRequest {
  api: 'openai' | 'anthropic';
  model: string;
  system: string;
  messages: FakeMessage[];
  toolNames: string[];
  apiKey?: string;
  headers: Record<string, string>;
  body: unknown;
  /** When the reply went out (ms since the epoch), for billed requests. */
  answeredAt?: number;
}

/** A provider-neutral view of one message; tool results appear as role `tool` for both APIs. */
export interface FakeMessage {
  role: 'user' | 'assistant' | 'tool';
  text?: string;
  toolCalls?: { id: string; name: string; arguments: string }[];
  toolResults?: { callId: string; content: string; isError: boolean }[];
}

export type FakeReply = {
  text?: string;
  /** `arguments`: an object, or a raw string to send malformed JSON. */
  toolCalls?: { name: string; arguments: unknown }[];
  /**
   * `input` counts all input tokens, `cached` the part read from cache, `cacheWrite` (Anthropic only) the part
   * written to cache. Each API gets them in its own layout.
   */
  usage?: { input?: number; output?: number; cached?: number; cacheWrite?: number };
  /**
   * Anthropic only: a thinking block (with a signature the server remembers) or, as `{ redacted }`, a
   * redacted_thinking block, before the text and tool calls. A later request must send it back unchanged.
   */
  thinking?: string | { redacted: string };
  /** The reply stopped at the output limit: finish_reason `length` / stop_reason `max_tokens`. */
  cutOff?: boolean;
};

export type FakeFault =
  | { fault: 'rate_limit'; retryAfterSeconds?: number }
  | { fault: 'server_error' } // 500
  | { fault: 'overloaded' } // 529 overloaded_error for anthropic, 503 for openai
  /** `code` is the OpenAI error code; for Anthropic it only chooses the default message. */
  | { fault: 'status'; status: number; message?: string; code?: string }
  | { fault: 'delay'; ms: number; then: FakeReply };

export type Responder = (req: FakeRequest) => FakeReply | FakeFault | Promise<FakeReply | FakeFault>;

export interface FakeModelServer {
  baseUrl: string;
  /** Ends with /v1, as OPENAI_BASE_URL does. */
  openaiBaseUrl: string;
  anthropicBaseUrl: string;
  requests: FakeRequest[];
  /** The requests answered with a reply (and its usage): what a provider would bill. */
  billed: FakeRequest[];
  setResponder(r: Responder): void;
  close(): Promise<void>;
}

export const defaultFakeUsage = { input: 100, output: 20, cached: 0, cacheWrite: 0 } as const;

export function replyWithTool(name: string, args: unknown, usage?: FakeReply['usage']): FakeReply {
  return { toolCalls: [{ name, arguments: args }], ...(usage ? { usage } : {}) };
}

export function replyWithText(text: string, usage?: FakeReply['usage']): FakeReply {
  return { text, ...(usage ? { usage } : {}) };
}

/** A rough token count of a request as sent (about four characters a token), for window-limited fakes. */
export function requestTokens(req: FakeRequest): number {
  return Math.ceil(JSON.stringify(req.body).length / 4);
}

// ---------------------------------------------------------------------------------------------------------
// Request shapes, as much of each API as the clients use.

const OpenAIText = z.union([z.string(), z.array(z.object({ type: z.literal('text'), text: z.string() }))]);

const OpenAIToolCall = z.object({
  id: z.string().min(1),
  type: z.literal('function'),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});

const OpenAIChatRequest = z.object({
  model: z.string().min(1),
  stream: z.boolean().optional(),
  reasoning_effort: z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']).optional(),
  max_completion_tokens: z.number().int().positive().optional(),
  messages: z
    .array(
      z.discriminatedUnion('role', [
        z.object({ role: z.literal('system'), content: OpenAIText }),
        z.object({ role: z.literal('developer'), content: OpenAIText }),
        z.object({ role: z.literal('user'), content: OpenAIText }),
        z.object({
          role: z.literal('assistant'),
          content: OpenAIText.nullish(),
          tool_calls: z.array(OpenAIToolCall).optional(),
        }),
        z.object({ role: z.literal('tool'), tool_call_id: z.string().min(1), content: OpenAIText }),
      ]),
    )
    .min(1),
  tools: z
    .array(
      z.object({
        type: z.literal('function'),
        function: z.object({
          name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
          description: z.string().optional(),
          parameters: z.record(z.string(), z.unknown()).optional(),
        }),
      }),
    )
    .optional(),
});
type OpenAIChatRequest = z.infer<typeof OpenAIChatRequest>;

const CacheControl = z.object({ type: z.literal('ephemeral'), ttl: z.enum(['5m', '1h']).optional() }).optional();

const AnthropicTextBlock = z.object({
  type: z.literal('text'),
  text: z.string().min(1, 'text content blocks must be non-empty'),
  cache_control: CacheControl,
});

const AnthropicBlock = z.discriminatedUnion('type', [
  AnthropicTextBlock,
  z.object({ type: z.literal('thinking'), thinking: z.string(), signature: z.string().min(1) }).strict(),
  z.object({ type: z.literal('redacted_thinking'), data: z.string().min(1) }).strict(),
  z.object({
    type: z.literal('tool_use'),
    id: z.string().min(1),
    name: z.string().min(1),
    input: z.record(z.string(), z.unknown()),
    cache_control: CacheControl,
  }),
  z.object({
    type: z.literal('tool_result'),
    tool_use_id: z.string().min(1),
    content: z.union([z.string(), z.array(AnthropicTextBlock)]).optional(),
    is_error: z.boolean().optional(),
    cache_control: CacheControl,
  }),
]);

const AnthropicMessagesRequest = z.object({
  model: z.string().min(1),
  max_tokens: z.number().int().positive(),
  thinking: z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('enabled'), budget_tokens: z.number().int().min(1_024) }),
      z.object({ type: z.literal('disabled') }),
    ])
    .optional(),
  tool_choice: z.object({ type: z.string() }).loose().optional(),
  stream: z.boolean().optional(),
  system: z.union([z.string(), z.array(AnthropicTextBlock)]).optional(),
  messages: z.array(z.object({ role: z.enum(['user', 'assistant']), content: z.union([z.string(), z.array(AnthropicBlock)]) })).min(1),
  tools: z
    .array(
      z.object({
        name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
        description: z.string().optional(),
        input_schema: z.looseObject({ type: z.literal('object') }),
        cache_control: CacheControl,
      }),
    )
    .optional(),
});
type AnthropicMessagesRequest = z.infer<typeof AnthropicMessagesRequest>;

class InvalidRequest extends Error {}

function textOf(content: z.infer<typeof OpenAIText> | null | undefined): string {
  if (content === null || content === undefined) return '';
  return typeof content === 'string' ? content : content.map((part) => part.text).join('');
}

function normaliseOpenAI(body: OpenAIChatRequest): Pick<FakeRequest, 'model' | 'system' | 'messages' | 'toolNames'> {
  const system: string[] = [];
  const messages: FakeMessage[] = [];
  let pendingCallIds: string[] = [];
  for (const message of body.messages) {
    if (message.role !== 'tool' && pendingCallIds.length > 0) {
      throw new InvalidRequest(
        `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. Missing: ${pendingCallIds.join(', ')}`,
      );
    }
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(textOf(message.content));
        break;
      case 'user':
        messages.push({ role: 'user', text: textOf(message.content) });
        break;
      case 'assistant': {
        const text = textOf(message.content);
        const toolCalls = (message.tool_calls ?? []).map((call) => ({
          id: call.id,
          name: call.function.name,
          arguments: call.function.arguments,
        }));
        pendingCallIds = toolCalls.map((call) => call.id);
        messages.push({
          role: 'assistant',
          ...(text ? { text } : {}),
          ...(toolCalls.length > 0 ? { toolCalls } : {}),
        });
        break;
      }
      case 'tool': {
        if (!pendingCallIds.includes(message.tool_call_id)) {
          throw new InvalidRequest(
            `Invalid parameter: messages with role 'tool' must be a response to a preceding message with 'tool_calls' (no pending call ${message.tool_call_id}).`,
          );
        }
        pendingCallIds = pendingCallIds.filter((id) => id !== message.tool_call_id);
        const raw = textOf(message.content);
        const isError = raw.startsWith(openAIToolErrorPrefix);
        const result = { callId: message.tool_call_id, content: isError ? raw.slice(openAIToolErrorPrefix.length) : raw, isError };
        const last = messages[messages.length - 1];
        if (last?.role === 'tool' && last.toolResults) last.toolResults.push(result);
        else messages.push({ role: 'tool', toolResults: [result] });
        break;
      }
    }
  }
  if (pendingCallIds.length > 0) {
    throw new InvalidRequest(`Tool calls without a response: ${pendingCallIds.join(', ')}`);
  }
  return {
    model: body.model,
    system: system.join('\n'),
    messages,
    toolNames: (body.tools ?? []).map((tool) => tool.function.name),
  };
}

/** Thinking blocks the server sent, by the id of the first tool_use of the same reply. */
type IssuedThinking = Map<string, unknown[]>;

function checkThinking(body: AnthropicMessagesRequest, issued: IssuedThinking): void {
  if (body.thinking?.type === 'enabled') {
    if (body.thinking.budget_tokens >= body.max_tokens) {
      throw new InvalidRequest('`max_tokens` must be greater than `thinking.budget_tokens`');
    }
    if (body.tool_choice && (body.tool_choice.type === 'any' || body.tool_choice.type === 'tool')) {
      throw new InvalidRequest('Thinking may not be enabled when tool_choice forces tool use.');
    }
  }
  for (const message of body.messages) {
    if (message.role !== 'assistant' || typeof message.content === 'string') continue;
    const firstToolUse = message.content.find((block) => block.type === 'tool_use');
    const expected = firstToolUse && firstToolUse.type === 'tool_use' ? issued.get(firstToolUse.id) : undefined;
    if (!expected) continue;
    const sent = message.content.slice(0, expected.length);
    if (JSON.stringify(sent) !== JSON.stringify(expected)) {
      throw new InvalidRequest(
        'messages: thinking or redacted_thinking blocks in the latest assistant message cannot be modified. These blocks must remain as they were in the original response.',
      );
    }
  }
}

function normaliseAnthropic(body: AnthropicMessagesRequest): Pick<FakeRequest, 'model' | 'system' | 'messages' | 'toolNames'> {
  const breakpoints =
    (body.tools ?? []).filter((tool) => tool.cache_control).length +
    (Array.isArray(body.system) ? body.system.filter((block) => block.cache_control).length : 0) +
    body.messages
      .flatMap((message) => (Array.isArray(message.content) ? message.content : []))
      .filter((block) => 'cache_control' in block && block.cache_control).length;
  if (breakpoints > 4) {
    throw new InvalidRequest(`A maximum of 4 blocks with cache_control may be provided. Found ${breakpoints}.`);
  }
  if (body.messages[0]?.role !== 'user') throw new InvalidRequest('messages: first message must use the "user" role');

  const messages: FakeMessage[] = [];
  let previousToolUseIds: string[] = [];
  for (const message of body.messages) {
    const blocks = typeof message.content === 'string' ? [{ type: 'text' as const, text: message.content }] : message.content;
    const texts: string[] = [];
    if (message.role === 'assistant') {
      const toolCalls: NonNullable<FakeMessage['toolCalls']> = [];
      for (const block of blocks) {
        if (block.type === 'text') texts.push(block.text);
        else if (block.type === 'tool_use') {
          toolCalls.push({ id: block.id, name: block.name, arguments: JSON.stringify(block.input) });
        } else if (block.type === 'thinking' || block.type === 'redacted_thinking') continue;
        else throw new InvalidRequest('messages: tool_result blocks may only appear in user messages');
      }
      previousToolUseIds = toolCalls.map((call) => call.id);
      messages.push({
        role: 'assistant',
        ...(texts.length > 0 ? { text: texts.join('\n') } : {}),
        ...(toolCalls.length > 0 ? { toolCalls } : {}),
      });
      continue;
    }
    const toolResults: NonNullable<FakeMessage['toolResults']> = [];
    for (const block of blocks) {
      if (block.type === 'text') texts.push(block.text);
      else if (block.type === 'tool_result') {
        if (!previousToolUseIds.includes(block.tool_use_id)) {
          throw new InvalidRequest(
            `messages: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${block.tool_use_id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
          );
        }
        const content =
          block.content === undefined
            ? ''
            : typeof block.content === 'string'
              ? block.content
              : block.content.map((part) => part.text).join('');
        toolResults.push({ callId: block.tool_use_id, content, isError: block.is_error ?? false });
      } else throw new InvalidRequest(`messages: ${block.type} blocks may only appear in assistant messages`);
    }
    const answered = new Set(toolResults.map((result) => result.callId));
    const unanswered = previousToolUseIds.filter((id) => !answered.has(id));
    if (unanswered.length > 0) {
      throw new InvalidRequest(
        `messages: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${unanswered.join(', ')}`,
      );
    }
    previousToolUseIds = [];
    if (toolResults.length > 0) messages.push({ role: 'tool', toolResults });
    if (texts.length > 0) messages.push({ role: 'user', text: texts.join('\n') });
  }
  if (previousToolUseIds.length > 0) {
    // A conversation may end on an assistant turn (prefill), but then it must not have open tool calls.
    throw new InvalidRequest('messages: the final assistant message has tool_use blocks without results');
  }
  const system = body.system === undefined ? '' : typeof body.system === 'string' ? body.system : body.system.map((b) => b.text).join('\n');
  return { model: body.model, system, messages, toolNames: (body.tools ?? []).map((tool) => tool.name) };
}

// ---------------------------------------------------------------------------------------------------------
// Replies.

interface ResolvedUsage {
  input: number;
  output: number;
  cached: number;
  cacheWrite: number;
}

function resolveUsage(usage: FakeReply['usage']): ResolvedUsage {
  return { ...defaultFakeUsage, ...usage };
}

function argumentsText(args: unknown): string {
  return typeof args === 'string' ? args : JSON.stringify(args ?? {});
}

function openAICompletion(reply: FakeReply, model: string, id: number): unknown {
  const usage = resolveUsage(reply.usage);
  const toolCalls = (reply.toolCalls ?? []).map((call, index) => ({
    id: `call_fake_${id}_${index}`,
    type: 'function',
    function: { name: call.name, arguments: argumentsText(call.arguments) },
  }));
  return {
    id: `chatcmpl-fake-${id}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    system_fingerprint: 'fp_fake',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: reply.text ?? null,
          refusal: null,
          annotations: [],
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: reply.cutOff ? 'length' : toolCalls.length > 0 ? 'tool_calls' : 'stop',
      },
    ],
    usage: {
      prompt_tokens: usage.input,
      completion_tokens: usage.output,
      total_tokens: usage.input + usage.output,
      prompt_tokens_details: { cached_tokens: usage.cached, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    },
    service_tier: 'default',
  };
}

/**
 * The Messages API always returns tool input as a parsed object; a raw string that is not JSON is passed
 * through as a string so a test can still provoke unusable arguments.
 */
function anthropicToolInput(args: unknown): unknown {
  if (typeof args !== 'string') return args ?? {};
  try {
    return JSON.parse(args) as unknown;
  } catch {
    return args;
  }
}

function anthropicThinkingBlock(thinking: NonNullable<FakeReply['thinking']>, id: number): unknown {
  if (typeof thinking === 'string') {
    return { type: 'thinking', thinking, signature: `sig_fake_${id}_${Buffer.from(thinking).toString('base64').slice(0, 16)}` };
  }
  return { type: 'redacted_thinking', data: thinking.redacted };
}

function anthropicMessage(reply: FakeReply, model: string, id: number, issued: IssuedThinking): unknown {
  const usage = resolveUsage(reply.usage);
  const content: unknown[] = [];
  const thinking = reply.thinking !== undefined ? [anthropicThinkingBlock(reply.thinking, id)] : [];
  content.push(...thinking);
  if (thinking.length > 0 && (reply.toolCalls ?? []).length > 0) issued.set(`toolu_fake_${id}_0`, thinking);
  if (reply.text !== undefined && reply.text !== '') content.push({ type: 'text', text: reply.text, citations: null });
  (reply.toolCalls ?? []).forEach((call, index) =>
    content.push({
      type: 'tool_use',
      id: `toolu_fake_${id}_${index}`,
      name: call.name,
      input: anthropicToolInput(call.arguments),
      caller: { type: 'direct' },
    }),
  );
  return {
    id: `msg_fake_${id}`,
    type: 'message',
    role: 'assistant',
    model,
    content,
    container: null,
    diagnostics: null,
    stop_reason: reply.cutOff ? 'max_tokens' : (reply.toolCalls ?? []).length > 0 ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    stop_details: null,
    usage: {
      input_tokens: Math.max(0, usage.input - usage.cached - usage.cacheWrite),
      cache_creation_input_tokens: usage.cacheWrite,
      cache_read_input_tokens: usage.cached,
      cache_creation: { ephemeral_5m_input_tokens: usage.cacheWrite, ephemeral_1h_input_tokens: 0 },
      output_tokens: usage.output,
      output_tokens_details: null,
      server_tool_use: null,
      service_tier: 'standard',
      inference_geo: null,
      speed: null,
    },
  };
}

interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

function openAIError(status: number, message: string, type: string, code: string | null): ErrorResponse {
  return { status, headers: {}, body: { error: { message, type, param: null, code } } };
}

function anthropicError(status: number, type: string, message: string): ErrorResponse {
  return { status, headers: {}, body: { type: 'error', error: { type, message }, request_id: 'req_fake' } };
}

const anthropicErrorTypes: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

function defaultStatusMessage(api: FakeRequest['api'], status: number, code: string | undefined, apiKey: string | undefined): string {
  if (code === 'context_length_exceeded') {
    return api === 'openai'
      ? "This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens. Please reduce the length of the messages."
      : 'prompt is too long: 230512 tokens > 200000 maximum';
  }
  // Echoes the rejected key, as some providers partly do, so tests can prove it never reaches our errors.
  if (status === 401) return `Incorrect API key provided: ${apiKey ?? '(none)'}.`;
  if (status === 404) return 'The model does not exist or you do not have access to it.';
  return `Fake error with status ${status}.`;
}

function faultResponse(api: FakeRequest['api'], fault: Exclude<FakeFault, { fault: 'delay' }>, apiKey: string | undefined): ErrorResponse {
  switch (fault.fault) {
    case 'rate_limit': {
      const response =
        api === 'openai'
          ? openAIError(429, 'Rate limit reached for requests. Please try again later.', 'requests', 'rate_limit_exceeded')
          : anthropicError(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit.');
      if (fault.retryAfterSeconds !== undefined) response.headers['retry-after'] = String(fault.retryAfterSeconds);
      return response;
    }
    case 'server_error':
      return api === 'openai'
        ? openAIError(500, 'The server had an error while processing your request. Sorry about that!', 'server_error', null)
        : anthropicError(500, 'api_error', 'Internal server error');
    case 'overloaded':
      return api === 'openai'
        ? openAIError(503, 'The engine is currently overloaded, please try again later.', 'server_error', null)
        : anthropicError(529, 'overloaded_error', 'Overloaded');
    case 'status': {
      const message = fault.message ?? defaultStatusMessage(api, fault.status, fault.code, apiKey);
      if (api === 'openai') {
        const defaultCode = fault.status === 401 ? 'invalid_api_key' : fault.status === 404 ? 'model_not_found' : null;
        const type = fault.status >= 500 ? 'server_error' : 'invalid_request_error';
        return openAIError(fault.status, message, type, fault.code ?? defaultCode);
      }
      const type = anthropicErrorTypes[fault.status] ?? (fault.status >= 500 ? 'api_error' : 'invalid_request_error');
      return anthropicError(fault.status, type, message);
    }
  }
}

function isFault(answer: FakeReply | FakeFault): answer is FakeFault {
  return 'fault' in answer;
}

// ---------------------------------------------------------------------------------------------------------
// HTTP.

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function flatHeaders(req: http.IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function apiKeyFrom(headers: Record<string, string>): string | undefined {
  const explicit = headers['x-api-key'];
  if (explicit) return explicit;
  const match = /^Bearer\s+(.+)$/i.exec(headers['authorization'] ?? '');
  return match?.[1];
}

export async function startFakeModelServer(responder?: Responder): Promise<FakeModelServer> {
  let currentResponder: Responder = responder ?? (() => replyWithText('fake reply'));
  const requests: FakeRequest[] = [];
  const billed: FakeRequest[] = [];
  const pendingTimers = new Set<NodeJS.Timeout>();
  const issuedThinking: IssuedThinking = new Map();
  let nextId = 1;

  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(status, {
      'content-type': 'application/json',
      // Anthropic and OpenAI name their request-id headers differently.
      'request-id': `req_fake_${nextId}`,
      'x-request-id': `req_fake_${nextId}`,
      ...headers,
    });
    res.end(JSON.stringify(body));
  };

  const sendError = (res: http.ServerResponse, error: ErrorResponse): void => send(res, error.status, error.body, error.headers);

  const invalid = (api: FakeRequest['api'], message: string): ErrorResponse =>
    api === 'openai'
      ? openAIError(400, `fake model server: ${message}`, 'invalid_request_error', null)
      : anthropicError(400, 'invalid_request_error', `fake model server: ${message}`);

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const path = (req.url ?? '').split('?')[0];
    const api: FakeRequest['api'] | undefined =
      req.method === 'POST' && path === '/v1/chat/completions'
        ? 'openai'
        : req.method === 'POST' && path === '/v1/messages'
          ? 'anthropic'
          : undefined;
    if (api === undefined) {
      sendError(res, openAIError(404, `fake model server: no route ${req.method} ${path}`, 'invalid_request_error', null));
      return;
    }
    const headers = flatHeaders(req);
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req)) as unknown;
    } catch (err) {
      sendError(res, invalid(api, `body is not JSON (${String(err)})`));
      return;
    }
    let normalised: Pick<FakeRequest, 'model' | 'system' | 'messages' | 'toolNames'>;
    try {
      if (api === 'openai') {
        const parsed = OpenAIChatRequest.safeParse(body);
        if (!parsed.success) throw new InvalidRequest(z.prettifyError(parsed.error));
        if (parsed.data.stream) throw new InvalidRequest('streaming is not supported by this fake');
        normalised = normaliseOpenAI(parsed.data);
      } else {
        if (!headers['anthropic-version']) throw new InvalidRequest('anthropic-version: header is required');
        const parsed = AnthropicMessagesRequest.safeParse(body);
        if (!parsed.success) throw new InvalidRequest(z.prettifyError(parsed.error));
        if (parsed.data.stream) throw new InvalidRequest('streaming is not supported by this fake');
        checkThinking(parsed.data, issuedThinking);
        normalised = normaliseAnthropic(parsed.data);
      }
    } catch (err) {
      if (!(err instanceof InvalidRequest)) throw err;
      sendError(res, invalid(api, err.message));
      return;
    }
    const apiKey = apiKeyFrom(headers);
    const fakeRequest: FakeRequest = { api, ...normalised, ...(apiKey !== undefined ? { apiKey } : {}), headers, body };
    requests.push(fakeRequest);

    let answer = await currentResponder(fakeRequest);
    if (isFault(answer) && answer.fault === 'delay') {
      const { ms, then } = answer;
      const completed = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          pendingTimers.delete(timer);
          resolve(true);
        }, ms);
        pendingTimers.add(timer);
        // The client gave up (abort or timeout): stop waiting rather than answer a closed socket.
        res.on('close', () => {
          clearTimeout(timer);
          pendingTimers.delete(timer);
          resolve(false);
        });
      });
      if (!completed) return;
      answer = then;
    }
    const id = nextId++;
    if (isFault(answer)) {
      sendError(res, faultResponse(api, answer, apiKey));
      return;
    }
    fakeRequest.answeredAt = Date.now();
    billed.push(fakeRequest);
    send(
      res,
      200,
      api === 'openai' ? openAICompletion(answer, normalised.model, id) : anthropicMessage(answer, normalised.model, id, issuedThinking),
    );
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const message = `fake model server: responder failed: ${err instanceof Error ? err.message : String(err)}`;
      send(res, 500, { error: { message, type: 'fake_server_error', param: null, code: null }, type: 'error' });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;

  return {
    baseUrl,
    openaiBaseUrl: `${baseUrl}/v1`,
    anthropicBaseUrl: baseUrl,
    requests,
    billed,
    setResponder(r: Responder): void {
      currentResponder = r;
    },
    close(): Promise<void> {
      for (const timer of pendingTimers) clearTimeout(timer);
      pendingTimers.clear();
      return new Promise((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets from the SDKs' fetch would otherwise hold the server open.
        server.closeAllConnections();
      });
    },
  };
}
