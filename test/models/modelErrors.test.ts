import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { ApplicationFailure } from '@temporalio/common';
import { classifyModelError, parseRetryAfterMs, redactSecrets, rethrowAsModelFailure, toModelFailure } from '../../src/models/modelErrors';

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2030-01-01T00:00:00Z');

  it('reads seconds, fractional seconds and HTTP dates', () => {
    expect(parseRetryAfterMs(new Headers({ 'retry-after': '12' }), now)).toBe(12_000);
    expect(parseRetryAfterMs(new Headers({ 'retry-after': '0.5' }), now)).toBe(500);
    expect(parseRetryAfterMs(new Headers({ 'retry-after': 'Tue, 01 Jan 2030 00:00:30 GMT' }), now)).toBe(30_000);
  });

  it('prefers retry-after-ms', () => {
    expect(parseRetryAfterMs(new Headers({ 'retry-after-ms': '1500', 'retry-after': '9' }), now)).toBe(1500);
  });

  it('ignores absent, garbage, zero and past values', () => {
    expect(parseRetryAfterMs(new Headers(), now)).toBeUndefined();
    expect(parseRetryAfterMs(undefined, now)).toBeUndefined();
    expect(parseRetryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(parseRetryAfterMs(new Headers({ 'retry-after': '0' }), now)).toBeUndefined();
    expect(parseRetryAfterMs(new Headers({ 'retry-after': 'Mon, 31 Dec 2029 23:59:00 GMT' }), now)).toBeUndefined();
  });
});

describe('classifying errors', () => {
  it('masks credentials in text that came from a server', () => {
    const text = redactSecrets('bad key sk-proj-abcdefgh1234 sent as Bearer sk-ant-xyz123456 and api_key=hunter2hunter2');
    expect(text).not.toMatch(/abcdefgh1234|xyz123456|hunter2/);
  });

  it('treats unexpected errors as retryable, SDK configuration errors as not', () => {
    expect(classifyModelError(new TypeError('fetch failed'), 'openai')).toMatchObject({ type: 'ModelUnexpectedError', retryable: true });
    expect(classifyModelError(new OpenAI.OpenAIError('Missing credentials'), 'openai')).toMatchObject({
      type: 'ModelConfigError',
      retryable: false,
    });
    expect(classifyModelError(new Anthropic.AnthropicError('Streaming is required'), 'anthropic')).toMatchObject({
      type: 'ModelConfigError',
      retryable: false,
    });
  });

  it('honours retry-after on 5xx too', () => {
    const err = new Anthropic.InternalServerError(
      503,
      { type: 'error', error: { type: 'api_error', message: 'busy' } },
      undefined,
      new Headers({ 'retry-after': '3' }),
    );
    const failure = toModelFailure(err, 'anthropic');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(3000);
  });

  it('passes an ApplicationFailure through unchanged', () => {
    const original = ApplicationFailure.create({ message: 'already classified', type: 'ModelAuthError', nonRetryable: true });
    expect(toModelFailure(original, 'openai')).toBe(original);
  });

  it('rethrows cancellations as they are', () => {
    const abort = new OpenAI.APIUserAbortError();
    expect(() => rethrowAsModelFailure(abort, 'openai')).toThrow(abort);
    const controller = new AbortController();
    controller.abort();
    const whileCancelling = new Error('socket hang up');
    expect(() => rethrowAsModelFailure(whileCancelling, 'anthropic', { signal: controller.signal })).toThrow(whileCancelling);
    expect(() => rethrowAsModelFailure(new Error('socket hang up'), 'anthropic')).toThrow(ApplicationFailure);
  });
});
