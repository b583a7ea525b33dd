import { ApplicationFailure } from '@temporalio/common';
import { assertProviderKeys, createModelClient } from '../../src/models/createModelClient';
import { startFakeModelServer } from '../support/fakeModelServer';
import { testPrices } from './modelTestSupport';

function thrownBy(fn: () => unknown): ApplicationFailure {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApplicationFailure) return err;
    throw err;
  }
  throw new Error('expected a throw');
}

describe('assertProviderKeys', () => {
  it('passes when every provider in use has its key', () => {
    expect(() =>
      assertProviderKeys(['openai:gpt-5', 'anthropic:claude-sonnet-4-5'], { OPENAI_API_KEY: 'test-key', ANTHROPIC_API_KEY: 'test-key' }),
    ).not.toThrow();
    expect(() => assertProviderKeys(['anthropic:claude-sonnet-4-5'], { ANTHROPIC_API_KEY: 'test-key' })).not.toThrow();
  });

  it('names the missing variable in a non-retryable failure', () => {
    const failure = thrownBy(() => assertProviderKeys(['openai:gpt-5', 'anthropic:claude-opus-4-5'], { ANTHROPIC_API_KEY: 'test-key' }));
    expect(failure.nonRetryable).toBe(true);
    expect(failure.type).toBe('ModelConfigError');
    expect(failure.message).toContain('OPENAI_API_KEY');
    expect(failure.message).toContain('openai:gpt-5');
    expect(failure.message).not.toContain('ANTHROPIC_API_KEY');
  });

  it('names every missing variable at once, and treats blank values as missing', () => {
    const failure = thrownBy(() =>
      assertProviderKeys(['openai:gpt-5', 'anthropic:claude-opus-4-5', 'openai:gpt-5-mini'], { OPENAI_API_KEY: '  ' }),
    );
    expect(failure.message).toContain('OPENAI_API_KEY');
    expect(failure.message).toContain('ANTHROPIC_API_KEY');
    expect(failure.message).toContain('openai:gpt-5-mini');
  });

  it('lets an OpenAI-compatible server without a key through, but not Anthropic', () => {
    expect(() => assertProviderKeys(['openai:qwen3-coder'], { OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1' })).not.toThrow();
    const failure = thrownBy(() => assertProviderKeys(['anthropic:claude-opus-4-5'], { ANTHROPIC_BASE_URL: 'http://127.0.0.1:9/' }));
    expect(failure.message).toContain('ANTHROPIC_API_KEY');
  });

  it('rejects malformed model references and base URLs clearly', () => {
    const badRef = thrownBy(() => assertProviderKeys(['gpt-5'], { OPENAI_API_KEY: 'test-key' }));
    expect(badRef.nonRetryable).toBe(true);
    expect(badRef.message).toContain('"gpt-5"');
    const badUrl = thrownBy(() => assertProviderKeys(['openai:gpt-5'], { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: 'localhost:8000' }));
    expect(badUrl.nonRetryable).toBe(true);
    expect(badUrl.message).toContain('OPENAI_BASE_URL');
  });
});

describe('createModelClient', () => {
  it('builds a client per provider and strips the provider prefix from the model', () => {
    const env = { OPENAI_API_KEY: 'test-key', ANTHROPIC_API_KEY: 'test-key' };
    const openai = createModelClient('openai:gpt-5.2', env, testPrices);
    expect(openai.client.provider).toBe('openai');
    expect(openai.model).toBe('gpt-5.2');
    const anthropic = createModelClient('anthropic:claude-opus-4-5', env, testPrices);
    expect(anthropic.client.provider).toBe('anthropic');
    expect(anthropic.model).toBe('claude-opus-4-5');
  });

  it('refuses to build a client without its key, naming the variable', () => {
    const failure = thrownBy(() => createModelClient('anthropic:claude-opus-4-5', { OPENAI_API_KEY: 'test-key' }, testPrices));
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('ANTHROPIC_API_KEY');
  });

  it('talks to a keyless OpenAI-compatible server with a placeholder key, never an empty one', async () => {
    const fake = await startFakeModelServer();
    try {
      const { client, model } = createModelClient('openai:fake-gpt', { OPENAI_BASE_URL: fake.openaiBaseUrl }, testPrices);
      const turn = await client.complete({ model, system: '', tools: [], conversation: [{ role: 'user', text: 'hi' }] });
      expect(turn.text).toBe('fake reply');
      expect(fake.requests[0]!.apiKey).toBeTruthy();
      expect(fake.requests[0]!.system).toBe('');
    } finally {
      await fake.close();
    }
  });

  it('reads the base URL from the env object it is given, not from the process', async () => {
    const fake = await startFakeModelServer();
    try {
      const env = { ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: fake.anthropicBaseUrl };
      const { client, model } = createModelClient('anthropic:fake-claude', env, testPrices);
      await client.complete({ model, system: 'sys', tools: [], conversation: [{ role: 'user', text: 'hi' }] });
      expect(fake.requests).toHaveLength(1);
      expect(fake.requests[0]!.apiKey).toBe('test-key');
    } finally {
      await fake.close();
    }
  });
});
