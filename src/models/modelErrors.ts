import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { ApplicationFailure } from '@temporalio/common';
import type { ProviderName } from '../schemas/modelRef';

/** Environment variables that configure each provider; error messages name them, never their values. */
export const providerKeyVariables = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
} as const satisfies Record<ProviderName, string>;

export const providerBaseUrlVariables = {
  openai: 'OPENAI_BASE_URL',
  anthropic: 'ANTHROPIC_BASE_URL',
} as const satisfies Record<ProviderName, string>;

const providerLabels: Record<ProviderName, string> = { openai: 'OpenAI', anthropic: 'Anthropic' };

/** `ApplicationFailure.type` values, usable in a retry policy's `nonRetryableErrorTypes`. */
export type ModelFailureType =
  | 'ModelRateLimited'
  | 'ModelUnavailable'
  | 'ModelBadResponse'
  | 'ModelUnexpectedError'
  | 'ModelAuthError'
  | 'ModelQuotaExceeded'
  | 'ModelNotFound'
  | 'ModelBadRequest'
  | 'ModelContextTooLong'
  | 'ModelConfigError';

export interface ModelErrorClassification {
  type: ModelFailureType;
  retryable: boolean;
  /** Says what happened and what to do; free of secrets. */
  message: string;
  status?: number;
  code?: string;
  requestId?: string;
  /** How long the server asked us to wait before retrying. */
  retryAfterMs?: number;
}

export interface ModelErrorContext {
  /** Model name without provider prefix, to name it in messages. */
  model?: string;
}

/** Thrown by the clients when a provider answers 2xx with a body they cannot use. */
export class ModelResponseError extends Error {
  override readonly name = 'ModelResponseError';
}

interface HeaderLookup {
  get(name: string): string | null;
}

/** A request cancelled through its AbortSignal; it must reach the caller unchanged. */
export function isAbortError(err: unknown): boolean {
  if (err instanceof OpenAI.APIUserAbortError || err instanceof Anthropic.APIUserAbortError) return true;
  return err instanceof Error && err.name === 'AbortError';
}

/**
 * The server's requested wait in milliseconds, from `retry-after-ms` or `retry-after` (seconds or an
 * HTTP date). Undefined when absent, unparseable or not in the future.
 */
export function parseRetryAfterMs(headers: HeaderLookup | undefined | null, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const millisHeader = headers.get('retry-after-ms');
  if (millisHeader !== null && /^\s*\d+(\.\d+)?\s*$/.test(millisHeader)) {
    const ms = Math.ceil(Number(millisHeader));
    if (ms > 0) return ms;
  }
  const header = headers.get('retry-after');
  if (header === null || header.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(header)) {
    const ms = Math.ceil(Number(header) * 1000);
    return ms > 0 ? ms : undefined;
  }
  const at = Date.parse(header);
  if (Number.isNaN(at)) return undefined;
  const ms = at - now;
  return ms > 0 ? ms : undefined;
}

const maxServerMessageLength = 500;

/** Masks anything that looks like a credential before text from a server or SDK goes into our messages. */
export function redactSecrets(text: string): string {
  return text
    .replace(/\b(sk|rk|pk)-[A-Za-z0-9_\-*.]{4,}/g, '[redacted]')
    .replace(/\bBearer\s+\S+/gi, 'Bearer [redacted]')
    .replace(/(api[_ -]?key[^:=]{0,20}[:=]\s*)\S+/gi, '$1[redacted]');
}

function serverSaid(text: string | undefined): string {
  if (!text) return '';
  const clean = redactSecrets(text.trim());
  const short = clean.length > maxServerMessageLength ? `${clean.slice(0, maxServerMessageLength)}…` : clean;
  return ` Server said: ${short}`;
}

const contextTooLongPattern =
  /context[_ ]length|context window|maximum context|prompt is too long|exceeds? (the )?context|too many (input )?tokens|input length and `?max_tokens`? exceed/i;

interface ApiErrorFacts {
  status: number | undefined;
  headers: HeaderLookup | undefined;
  code: string | undefined;
  errorType: string | undefined;
  serverMessage: string | undefined;
  requestId: string | undefined;
  isTimeout: boolean;
  causeText: string | undefined;
}

function stringField(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === 'string' ? field : undefined;
}

function describeCause(err: Error): string | undefined {
  const cause: unknown = err.cause;
  if (!(cause instanceof Error)) return undefined;
  const code = stringField(cause, 'code') ?? stringField(cause.cause, 'code');
  const inner = cause.cause instanceof Error ? cause.cause.message : undefined;
  // Some runtimes hand the SDK a non-Error rejection, which it wraps as the text '{}': not worth showing.
  return [code, inner ?? cause.message].filter((part) => part && part !== '{}').join(': ') || undefined;
}

/** Normalises the two SDKs' error shapes; undefined when `err` is not a provider API error. */
function apiErrorFacts(err: unknown): ApiErrorFacts | undefined {
  if (err instanceof OpenAI.APIError) {
    return {
      status: err.status,
      headers: err.headers,
      code: err.code ?? undefined,
      errorType: err.type,
      serverMessage: stringField(err.error, 'message'),
      requestId: err.requestID ?? undefined,
      isTimeout: err instanceof OpenAI.APIConnectionTimeoutError,
      causeText: describeCause(err),
    };
  }
  if (err instanceof Anthropic.APIError) {
    return {
      status: err.status,
      headers: err.headers,
      code: err.errorCode ?? undefined,
      errorType: err.type ?? undefined,
      serverMessage: err.apiMessage ?? undefined,
      requestId: err.requestID ?? undefined,
      isTimeout: err instanceof Anthropic.APIConnectionTimeoutError,
      causeText: describeCause(err),
    };
  }
  return undefined;
}

function classifyApiError(facts: ApiErrorFacts, provider: ProviderName, context: ModelErrorContext): ModelErrorClassification {
  const label = providerLabels[provider];
  const keyVar = providerKeyVariables[provider];
  const baseUrlVar = providerBaseUrlVariables[provider];
  const model = context.model ? ` "${context.model}"` : '';
  const { status, code, errorType, serverMessage } = facts;
  const said = serverSaid(serverMessage);
  const common = {
    ...(status !== undefined ? { status } : {}),
    ...(code !== undefined ? { code } : {}),
    ...(facts.requestId !== undefined ? { requestId: facts.requestId } : {}),
  };
  const retryAfterMs = parseRetryAfterMs(facts.headers);
  const retryHint = retryAfterMs !== undefined ? { retryAfterMs } : {};

  if (status === undefined) {
    const message = facts.isTimeout
      ? `${label} did not answer within the request timeout.`
      : `Could not reach ${label} (${facts.causeText ?? 'connection error'}). If this persists, check ${baseUrlVar} and the network.`;
    return { type: 'ModelUnavailable', retryable: true, message, ...common };
  }

  const isContextTooLong =
    code === 'context_length_exceeded' ||
    errorType === 'context_length_exceeded' ||
    ((status === 400 || status === 413 || status === 422) && contextTooLongPattern.test(serverMessage ?? ''));
  if (isContextTooLong) {
    return {
      type: 'ModelContextTooLong',
      retryable: false,
      message: `The conversation is too long for ${label} model${model} (${status}): shorten the input or use a model with a larger context window.${said}`,
      ...common,
    };
  }
  const isQuotaExhausted =
    code === 'insufficient_quota' || errorType === 'insufficient_quota' || errorType === 'billing_error' || status === 402;
  if (isQuotaExhausted) {
    return {
      type: 'ModelQuotaExceeded',
      retryable: false,
      message: `${label} refused the request for billing or quota reasons (${status}): check the plan and credit of the account behind ${keyVar}.${said}`,
      ...common,
    };
  }
  if (status === 429) {
    const wait = retryAfterMs !== undefined ? ` The server asked to wait ${Math.ceil(retryAfterMs / 1000)}s.` : '';
    return {
      type: 'ModelRateLimited',
      retryable: true,
      message: `${label} rate limit reached (429).${wait}${said}`,
      ...common,
      ...retryHint,
    };
  }
  if (status === 529 || errorType === 'overloaded_error') {
    return {
      type: 'ModelUnavailable',
      retryable: true,
      message: `${label} is overloaded (${status}).${said}`,
      ...common,
      ...retryHint,
    };
  }
  if (status >= 500 || status === 408 || status === 409) {
    return {
      type: 'ModelUnavailable',
      retryable: true,
      message: `${label} failed to answer (${status}).${said}`,
      ...common,
      ...retryHint,
    };
  }
  if (status === 401) {
    // The server's text is left out on purpose: some providers echo part of the rejected key.
    return {
      type: 'ModelAuthError',
      retryable: false,
      message: `${label} rejected the API key (401): check ${keyVar}.`,
      ...common,
    };
  }
  if (status === 403) {
    return {
      type: 'ModelAuthError',
      retryable: false,
      message: `${label} denied access (403): the key in ${keyVar} may not use model${model} or this endpoint.${said}`,
      ...common,
    };
  }
  if (status === 404) {
    return {
      type: 'ModelNotFound',
      retryable: false,
      message: `${label} does not know model${model} or the endpoint (404): check the model name and ${baseUrlVar} if it is set.${said}`,
      ...common,
    };
  }
  return {
    type: 'ModelBadRequest',
    retryable: false,
    message: `${label} rejected the request (${status}).${said}`,
    ...common,
  };
}

/** Decides whether a failed model call is worth retrying, and says why in words a user can act on. */
export function classifyModelError(err: unknown, provider: ProviderName, context: ModelErrorContext = {}): ModelErrorClassification {
  const label = providerLabels[provider];
  const facts = apiErrorFacts(err);
  if (facts) return classifyApiError(facts, provider, context);
  if (err instanceof ModelResponseError) {
    return { type: 'ModelBadResponse', retryable: true, message: `${label} sent an unusable response: ${err.message}` };
  }
  // SDK errors without an HTTP exchange are raised before sending: a configuration problem, not a blip.
  if (err instanceof OpenAI.OpenAIError || err instanceof Anthropic.AnthropicError) {
    return {
      type: 'ModelConfigError',
      retryable: false,
      message: `The ${label} client could not send the request: ${redactSecrets(err.message)}`,
    };
  }
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return { type: 'ModelUnexpectedError', retryable: true, message: `Calling ${label} failed: ${redactSecrets(text)}` };
}

/** Converts a (non-abort) error from a model call into the Temporal failure the activity should throw. */
export function toModelFailure(err: unknown, provider: ProviderName, context: ModelErrorContext = {}): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const c = classifyModelError(err, provider, context);
  return ApplicationFailure.create({
    message: c.message,
    type: c.type,
    nonRetryable: !c.retryable,
    // The provider error itself is not attached as cause: its text may quote credentials.
    details: [
      {
        provider,
        ...(c.status !== undefined ? { status: c.status } : {}),
        ...(c.code !== undefined ? { code: c.code } : {}),
        ...(c.requestId !== undefined ? { requestId: c.requestId } : {}),
      },
    ],
    ...(c.retryable && c.retryAfterMs !== undefined ? { nextRetryDelay: c.retryAfterMs } : {}),
  });
}

/**
 * For a client's catch block: a cancelled call (abort error, or any error once `signal` fired) is rethrown
 * as it is so Temporal sees the cancellation; anything else becomes a classified `ApplicationFailure`.
 */
export function rethrowAsModelFailure(
  err: unknown,
  provider: ProviderName,
  context: ModelErrorContext & { signal?: AbortSignal | undefined } = {},
): never {
  if (isAbortError(err) || context.signal?.aborted) throw err;
  throw toModelFailure(err, provider, context.model !== undefined ? { model: context.model } : {});
}
