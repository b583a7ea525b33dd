import { costOf, defaultPriceTable, lookupPrice, mergePriceTable } from '../../src/models/priceTable';

describe('price table', () => {
  it('has built-in prices for current OpenAI and Anthropic models', () => {
    expect(lookupPrice(defaultPriceTable, 'openai:gpt-5')).toEqual({ inputPerMTok: 1.25, cachedInputPerMTok: 0.125, outputPerMTok: 10 });
    expect(lookupPrice(defaultPriceTable, 'anthropic:claude-sonnet-4-5')).toEqual({
      inputPerMTok: 3,
      cachedInputPerMTok: 0.3,
      outputPerMTok: 15,
    });
  });

  it('prices dated snapshots like their model, but never a different model sharing a prefix', () => {
    expect(lookupPrice(defaultPriceTable, 'anthropic:claude-sonnet-4-5-20250929')).toBe(defaultPriceTable['anthropic:claude-sonnet-4-5']);
    expect(lookupPrice(defaultPriceTable, 'openai:gpt-4o-2024-08-06')).toBe(defaultPriceTable['openai:gpt-4o']);
    expect(lookupPrice(defaultPriceTable, 'openai:gpt-5-pro')).toBeUndefined();
    expect(lookupPrice(defaultPriceTable, 'anthropic:gpt-5')).toBeUndefined();
  });

  it('computes cost in micro-dollars: uncached, cached and output tokens at their own rates', () => {
    const table = mergePriceTable({ 'openai:m': { inputPerMTok: 2, cachedInputPerMTok: 0.5, outputPerMTok: 8 } });
    // 600 x 2 + 400 x 0.5 + 250 x 8 = 3400 micro-dollars.
    expect(costOf(table, 'openai:m', { inputTokens: 1000, cachedInputTokens: 400, outputTokens: 250 })).toEqual({
      costUsd: 0.0034,
      priced: true,
    });
    // 1 token at $0.15/M is 0.15 micro-dollars, rounded to 0; 7 tokens round to 1 micro-dollar.
    const cheap = mergePriceTable({ 'openai:c': { inputPerMTok: 0.15, cachedInputPerMTok: 0.15, outputPerMTok: 0.15 } });
    expect(costOf(cheap, 'openai:c', { inputTokens: 1, cachedInputTokens: 0, outputTokens: 0 }).costUsd).toBe(0);
    expect(costOf(cheap, 'openai:c', { inputTokens: 7, cachedInputTokens: 0, outputTokens: 0 }).costUsd).toBe(0.000001);
  });

  it('prices an unknown model at 0 with a warning that names it, without throwing', () => {
    const estimate = costOf(defaultPriceTable, 'openai:my-finetune', { inputTokens: 1e6, cachedInputTokens: 0, outputTokens: 1e6 });
    expect(estimate.costUsd).toBe(0);
    expect(estimate.priced).toBe(false);
    expect(estimate.warning).toContain('openai:my-finetune');
  });

  it('lets a user table override and extend the defaults without changing them', () => {
    const merged = mergePriceTable({
      'openai:gpt-5': { inputPerMTok: 1, cachedInputPerMTok: 0.1, outputPerMTok: 9 },
      'openai:qwen3-coder': { inputPerMTok: 0, cachedInputPerMTok: 0, outputPerMTok: 0 },
    });
    expect(merged['openai:gpt-5']!.outputPerMTok).toBe(9);
    expect(merged['openai:qwen3-coder']).toBeDefined();
    expect(merged['anthropic:claude-opus-4-5']).toEqual(defaultPriceTable['anthropic:claude-opus-4-5']);
    expect(defaultPriceTable['openai:gpt-5']!.outputPerMTok).toBe(10);
    expect(mergePriceTable(undefined)).toEqual(defaultPriceTable);
  });

  it('rejects a malformed user table with a message that points at the problem', () => {
    expect(() => mergePriceTable({ 'gpt-5': { inputPerMTok: 1, cachedInputPerMTok: 0.1, outputPerMTok: 9 } })).toThrow(/provider:model/);
    expect(() => mergePriceTable({ 'openai:gpt-5': { inputPerMTok: -1, cachedInputPerMTok: 0.1, outputPerMTok: 9 } })).toThrow(
      /inputPerMTok/,
    );
    expect(() => mergePriceTable({ 'openai:gpt-5': { inputPerMTok: 1, outputPerMTok: 9 } })).toThrow(/cachedInputPerMTok/);
    expect(() => mergePriceTable([1, 2])).toThrow(/Invalid price table/);
  });
});
