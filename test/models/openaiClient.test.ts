import { ApplicationFailure } from '@temporalio/common';
import type { ConversationItem } from '../../src/models/modelClient';
import { addUsage, zeroUsage } from '../../src/schemas/usage';
import { type FakeModelServer, replyWithText, replyWithTool, startFakeModelServer } from '../support/fakeModelServer';
import { clientFor, readFileTool, writeFileTool } from './modelTestSupport';

describe('OpenAI client against the fake Chat Completions server', () => {
  let fake: FakeModelServer;

  beforeEach(async () => {
    fake = await startFakeModelServer();
  });
  afterEach(async () => {
    await fake.close();
  });

  it('round-trips tool calls and their results, including a failed one', async () => {
    fake.setResponder((req) => {
      const last = req.messages[req.messages.length - 1];
      if (last?.role === 'user') {
        return {
          text: 'Let me look.',
          toolCalls: [
            { name: 'read_file', arguments: { path: 'src/a.ts' } },
            { name: 'write_file', arguments: { path: 'src/b.ts', content: 'x' } },
          ],
        };
      }
      return replyWithText('All done.');
    });
    const { client, model } = clientFor('openai', fake);
    expect(model).toBe('fake-gpt');

    const conversation: ConversationItem[] = [{ role: 'user', text: 'Fix the bug in src/a.ts' }];
    const first = await client.complete({
      model,
      system: 'You are a careful worker.',
      tools: [readFileTool, writeFileTool],
      conversation,
      maxOutputTokens: 4000,
    });
    expect(first.text).toBe('Let me look.');
    expect(first.stopReason).toBe('tool_calls');
    expect(first.toolCalls.map((c) => c.name)).toEqual(['read_file', 'write_file']);
    expect(JSON.parse(first.toolCalls[0]!.argumentsJson)).toEqual({ path: 'src/a.ts' });

    const [readCall, writeCall] = first.toolCalls;
    conversation.push(
      { role: 'assistant', text: first.text, toolCalls: first.toolCalls },
      {
        role: 'tool_results',
        results: [
          { callId: readCall!.id, name: 'read_file', content: 'export const a = 1;', isError: false },
          { callId: writeCall!.id, name: 'write_file', content: 'path is outside the working copy', isError: true },
        ],
      },
    );
    const second = await client.complete({
      model,
      system: 'You are a careful worker.',
      tools: [readFileTool, writeFileTool],
      conversation,
    });
    expect(second.text).toBe('All done.');
    expect(second.toolCalls).toEqual([]);
    expect(second.stopReason).toBe('stop');

    expect(fake.requests).toHaveLength(2);
    const sent = fake.requests[1]!;
    expect(sent.api).toBe('openai');
    expect(sent.model).toBe('fake-gpt');
    expect(sent.apiKey).toBe('test-key');
    expect(sent.system).toBe('You are a careful worker.');
    expect(sent.toolNames).toEqual(['read_file', 'write_file']);
    expect(sent.messages).toEqual([
      { role: 'user', text: 'Fix the bug in src/a.ts' },
      {
        role: 'assistant',
        text: 'Let me look.',
        toolCalls: [
          { id: readCall!.id, name: 'read_file', arguments: readCall!.argumentsJson },
          { id: writeCall!.id, name: 'write_file', arguments: writeCall!.argumentsJson },
        ],
      },
      {
        role: 'tool',
        toolResults: [
          { callId: readCall!.id, content: 'export const a = 1;', isError: false },
          { callId: writeCall!.id, content: 'path is outside the working copy', isError: true },
        ],
      },
    ]);
    const firstBody = fake.requests[0]!.body as Record<string, unknown>;
    expect(firstBody['max_completion_tokens']).toBe(4000);
    expect(firstBody['stream']).toBeFalsy();
  });

  it('passes malformed tool arguments through as raw text and can send them back', async () => {
    fake.setResponder((req) =>
      req.messages.length === 1 ? replyWithTool('write_file', '{"path": "a.ts", "content": ') : replyWithText('ok'),
    );
    const { client, model } = clientFor('openai', fake);
    const turn = await client.complete({ model, system: 's', tools: [writeFileTool], conversation: [{ role: 'user', text: 'go' }] });
    expect(turn.toolCalls[0]!.argumentsJson).toBe('{"path": "a.ts", "content": ');

    await client.complete({
      model,
      system: 's',
      tools: [writeFileTool],
      conversation: [
        { role: 'user', text: 'go' },
        { role: 'assistant', toolCalls: turn.toolCalls },
        {
          role: 'tool_results',
          results: [{ callId: turn.toolCalls[0]!.id, name: 'write_file', content: 'arguments are not valid JSON', isError: true }],
        },
      ],
    });
    expect(fake.requests[1]!.messages[1]!.toolCalls![0]!.arguments).toBe('{"path": "a.ts", "content": ');
  });

  it('reports usage with cached tokens and prices it, and sums of calls are exact', async () => {
    fake.setResponder(() => replyWithText('hi', { input: 1200, cached: 1000, output: 567 }));
    const { client, model } = clientFor('openai', fake);
    const turn = await client.complete({ model, system: 's', tools: [], conversation: [{ role: 'user', text: 'hello' }] });
    // 200 uncached x 1.25 + 1000 cached x 0.125 + 567 x 10 = 6045 micro-dollars.
    expect(turn.usage).toEqual({ calls: 1, inputTokens: 1200, cachedInputTokens: 1000, outputTokens: 567, costUsd: 0.006045 });

    // 10k output tokens at $10/M is $0.1 per call; three of them must be exactly $0.3 (not 0.30000000000000004).
    fake.setResponder(() => replyWithText('hi', { input: 0, output: 10_000 }));
    let total = zeroUsage;
    for (let i = 0; i < 3; i++) {
      const t = await client.complete({ model, system: 's', tools: [], conversation: [{ role: 'user', text: 'hello' }] });
      total = addUsage(total, t.usage);
    }
    expect(total).toEqual({ calls: 3, inputTokens: 0, cachedInputTokens: 0, outputTokens: 30_000, costUsd: 0.3 });
  });

  it('counts an unpriced model as free and says so instead of failing', async () => {
    const warnings: string[] = [];
    fake.setResponder(() => replyWithText('hi', { input: 1000, output: 1000 }));
    const { createModelClient } = await import('../../src/models/createModelClient');
    const { client, model } = createModelClient(
      'openai:some-local-model',
      { OPENAI_BASE_URL: fake.openaiBaseUrl },
      {},
      { onWarning: (m) => warnings.push(m) },
    );
    const turn = await client.complete({ model, system: '', tools: [], conversation: [{ role: 'user', text: 'hello' }] });
    expect(turn.usage.costUsd).toBe(0);
    expect(turn.usage.inputTokens).toBe(1000);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('openai:some-local-model');
  });

  it('does not retry inside the SDK, leaving retries to Temporal', async () => {
    fake.setResponder(() => ({ fault: 'server_error' }));
    const { client, model } = clientFor('openai', fake);
    await expect(client.complete({ model, system: 's', tools: [], conversation: [{ role: 'user', text: 'x' }] })).rejects.toBeInstanceOf(
      ApplicationFailure,
    );
    expect(fake.requests).toHaveLength(1);
  });
});
