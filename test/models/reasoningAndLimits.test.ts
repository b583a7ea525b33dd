import type { ConversationItem } from '../../src/models/modelClient';
import { type FakeModelServer, replyWithText, startFakeModelServer } from '../support/fakeModelServer';
import { clientFor, writeFileTool } from './modelTestSupport';

let fake: FakeModelServer;
beforeEach(async () => {
  fake = await startFakeModelServer();
});
afterEach(async () => {
  await fake.close();
});

const goal: ConversationItem = { role: 'user', text: 'Write a.txt' };

describe('reasoning effort on the wire', () => {
  it('OpenAI gets reasoning_effort and max_completion_tokens as asked', async () => {
    fake.setResponder(() => replyWithText('ok'));
    const { client, model } = clientFor('openai', fake);
    await client.complete({ model, system: 's', tools: [], conversation: [goal], reasoningEffort: 'high', maxOutputTokens: 64_000 });
    await client.complete({ model, system: 's', tools: [], conversation: [goal] });
    const [withEffort, without] = fake.requests.map((r) => r.body as Record<string, unknown>);
    expect(withEffort).toMatchObject({ reasoning_effort: 'high', max_completion_tokens: 64_000 });
    expect(without).not.toHaveProperty('reasoning_effort');
  });

  it('Anthropic gets extended thinking with a budget below max_tokens, and none for effort "none"', async () => {
    fake.setResponder(() => replyWithText('ok'));
    const { client, model } = clientFor('anthropic', fake);
    await client.complete({ model, system: 's', tools: [], conversation: [goal], reasoningEffort: 'high', maxOutputTokens: 64_000 });
    // A small output limit shrinks the budget so the answer still fits.
    await client.complete({ model, system: 's', tools: [], conversation: [goal], reasoningEffort: 'xhigh', maxOutputTokens: 10_000 });
    await client.complete({ model, system: 's', tools: [], conversation: [goal], reasoningEffort: 'none', maxOutputTokens: 10_000 });
    const bodies = fake.requests.map((r) => r.body as Record<string, unknown>);
    expect(bodies[0]).toMatchObject({ max_tokens: 64_000, thinking: { type: 'enabled', budget_tokens: 24_000 } });
    expect(bodies[1]).toMatchObject({ max_tokens: 10_000, thinking: { type: 'enabled', budget_tokens: 5_904 } });
    expect(bodies[2]).not.toHaveProperty('thinking');
  });

  it('Anthropic thinking and redacted_thinking blocks go back unchanged with the tool results', async () => {
    let turn = 0;
    fake.setResponder(() => {
      turn++;
      if (turn === 1)
        return {
          thinking: 'The file is new, so write it whole.',
          toolCalls: [{ name: 'write_file', arguments: { path: 'a.txt', content: 'a' } }],
        };
      if (turn === 2)
        return { thinking: { redacted: 'ZW5jcnlwdGVk' }, toolCalls: [{ name: 'write_file', arguments: { path: 'b.txt', content: 'b' } }] };
      return replyWithText('done');
    });
    const { client, model } = clientFor('anthropic', fake);
    const conversation: ConversationItem[] = [goal];
    for (let i = 0; i < 2; i++) {
      const answer = await client.complete({
        model,
        system: 's',
        tools: [writeFileTool],
        conversation,
        reasoningEffort: 'medium',
        maxOutputTokens: 32_000,
      });
      expect(answer.thinking).toHaveLength(1);
      conversation.push(
        { role: 'assistant', toolCalls: answer.toolCalls, ...(answer.thinking ? { thinking: answer.thinking } : {}) },
        {
          role: 'tool_results',
          results: answer.toolCalls.map((c) => ({ callId: c.id, name: c.name, content: 'written', isError: false })),
        },
      );
    }
    const last = await client.complete({
      model,
      system: 's',
      tools: [writeFileTool],
      conversation,
      reasoningEffort: 'medium',
      maxOutputTokens: 32_000,
    });
    expect(last.text).toBe('done');
    const sent = (fake.requests[2]?.body as { messages: { role: string; content: { type: string }[] }[] }).messages;
    expect(sent[1]?.content[0]).toMatchObject({ type: 'thinking', thinking: 'The file is new, so write it whole.' });
    expect(sent[3]?.content[0]).toEqual({ type: 'redacted_thinking', data: 'ZW5jcnlwdGVk' });

    // An edited thinking block is refused, as the real API does.
    const first = conversation[1] as Extract<ConversationItem, { role: 'assistant' }>;
    const tampered = [...conversation];
    tampered[1] = { ...first, thinking: [{ type: 'thinking', thinking: 'edited', signature: 'sig' }] };
    await expect(client.complete({ model, system: 's', tools: [writeFileTool], conversation: tampered })).rejects.toMatchObject({
      type: 'ModelBadRequest',
    });
  });
});

describe.each(['openai', 'anthropic'] as const)('a reply cut at the output limit (%s)', (provider) => {
  it('is flagged as cut off', async () => {
    fake.setResponder(() => ({ toolCalls: [{ name: 'write_file', arguments: '{"path": "a.txt", "content": "aaaa' }], cutOff: true }));
    const { client, model } = clientFor(provider, fake);
    const answer = await client.complete({ model, system: 's', tools: [writeFileTool], conversation: [goal], maxOutputTokens: 2_000 });
    expect(answer.cutOff).toBe(true);
    expect(answer.stopReason).toBe(provider === 'openai' ? 'length' : 'max_tokens');
  });
});
