import { createModelClient } from '../../src/models/createModelClient';
import type { ModelClient, ToolSpec } from '../../src/models/modelClient';
import { mergePriceTable, type PriceTable } from '../../src/models/priceTable';
import type { FakeModelServer } from '../support/fakeModelServer';

/** Prices for the fake models, chosen so expected costs are easy to compute by hand. */
export const testPrices: PriceTable = mergePriceTable({
  'openai:fake-gpt': { inputPerMTok: 1.25, cachedInputPerMTok: 0.125, outputPerMTok: 10 },
  'anthropic:fake-claude': { inputPerMTok: 3, cachedInputPerMTok: 0.3, outputPerMTok: 15 },
});

export const testModels = { openai: 'openai:fake-gpt', anthropic: 'anthropic:fake-claude' } as const;

export function envFor(fake: FakeModelServer): Record<string, string> {
  return {
    OPENAI_API_KEY: 'test-key',
    OPENAI_BASE_URL: fake.openaiBaseUrl,
    ANTHROPIC_API_KEY: 'test-key',
    ANTHROPIC_BASE_URL: fake.anthropicBaseUrl,
  };
}

export function clientFor(
  provider: 'openai' | 'anthropic',
  fake: FakeModelServer,
  options: { timeoutMs?: number; onWarning?: (message: string) => void } = {},
): { client: ModelClient; model: string } {
  return createModelClient(testModels[provider], envFor(fake), testPrices, options);
}

export const readFileTool: ToolSpec = {
  name: 'read_file',
  description: 'Read a file of the working copy.',
  inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'], additionalProperties: false },
};

export const writeFileTool: ToolSpec = {
  name: 'write_file',
  description: 'Write a file of the working copy.',
  inputSchema: {
    type: 'object',
    properties: { path: { type: 'string' }, content: { type: 'string' } },
    required: ['path', 'content'],
    additionalProperties: false,
  },
};
