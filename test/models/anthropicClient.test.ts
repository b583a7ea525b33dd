import type { ConversationItem } from '../../src/models/modelClient';
import { addUsage, zeroUsage } from '../../src/schemas/usage';
import { type FakeModelServer, replyWithText, replyWithTool, startFakeModelServer } from '../support/fakeModelServer';
import { clientFor, readFileTool, writeFileTool } from './modelTestSupport';

interface SentBody {
  max_tokens: number;
  system?: { type: string; text: string; cache_control?: { type: string } }[];
  tools?: { name: string; cache_control?: { type: string } }[];
  messages: { role: string; content: { type: string; cache_control?: { type: string } }[] }[];
}

describe('Anthropic client against the fake Messages server', () => {
  let fake: FakeModelServer;

  beforeEach(async () => {
    fake = await startFakeModelServer();
  });
  afterEach(async () => {
    await fake.close();
  });

  it('round-trips tool_use and tool_result blocks, with is_error', async () => {
    fake.setResponder((req) => {
      if (!req.messages.some((m) => m.role === 'tool')) {
        return {
          text: 'Reading first.',
          toolCalls: [
            { name: 'read_file', arguments: { path: 'src/a.ts' } },
            { name: 'write_file', arguments: { path: '../etc/passwd', content: 'x' } },
          ],
        };
      }
      return replyWithText('All done.');
    });
    const { client, model } = clientFor('anthropic', fake);
    expect(model).toBe('fake-claude');

    const conversation: ConversationItem[] = [{ role: 'user', text: 'Fix the bug in src/a.ts' }];
    const first = await client.complete({ model, system: 'You are a careful worker.', tools: [readFileTool, writeFileTool], conversation });
    expect(first.text).toBe('Reading first.');
    expect(first.stopReason).toBe('tool_use');
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
      // A steering note right after tool results must join the same user message.
      { role: 'user', text: 'Also keep the public API unchanged.' },
    );
    const second = await client.complete({
      model,
      system: 'You are a careful worker.',
      tools: [readFileTool, writeFileTool],
      conversation,
      maxOutputTokens: 1234,
    });
    expect(second.text).toBe('All done.');
    expect(second.toolCalls).toEqual([]);
    expect(second.stopReason).toBe('end_turn');

    const sent = fake.requests[1]!;
    expect(sent.api).toBe('anthropic');
    expect(sent.model).toBe('fake-claude');
    expect(sent.apiKey).toBe('test-key');
    expect(sent.system).toBe('You are a careful worker.');
    expect(sent.toolNames).toEqual(['read_file', 'write_file']);
    expect(sent.messages).toEqual([
      { role: 'user', text: 'Fix the bug in src/a.ts' },
      {
        role: 'assistant',
        text: 'Reading first.',
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
      { role: 'user', text: 'Also keep the public API unchanged.' },
    ]);
    const body = sent.body as SentBody;
    expect(body.max_tokens).toBe(1234);
    expect(body.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
  });

  it('marks the stable prefix (last tool, system) and the conversation end for prompt caching', async () => {
    const { client, model } = clientFor('anthropic', fake);
    await client.complete({
      model,
      system: 'System prompt.',
      tools: [readFileTool, writeFileTool],
      conversation: [{ role: 'user', text: 'hello' }],
    });
    const body = fake.requests[0]!.body as SentBody;
    expect(body.tools!.map((t) => t.cache_control)).toEqual([undefined, { type: 'ephemeral' }]);
    expect(body.system).toEqual([{ type: 'text', text: 'System prompt.', cache_control: { type: 'ephemeral' } }]);
    expect(body.messages[0]!.content[0]!.cache_control).toEqual({ type: 'ephemeral' });
    expect(body.max_tokens).toBeGreaterThan(0);
  });

  it('counts cache reads and cache writes as input and prices them; sums are exact', async () => {
    fake.setResponder(() => replyWithText('hi', { input: 5000, cached: 3000, cacheWrite: 1500, output: 200 }));
    const { client, model } = clientFor('anthropic', fake);
    const turn = await client.complete({ model, system: 's', tools: [], conversation: [{ role: 'user', text: 'hello' }] });
    // 2000 uncached (500 plain + 1500 cache write) x 3 + 3000 cached x 0.3 + 200 x 15 = 9900 micro-dollars.
    expect(turn.usage).toEqual({ calls: 1, inputTokens: 5000, cachedInputTokens: 3000, outputTokens: 200, costUsd: 0.0099 });

    // 20k output tokens at $15/M is $0.3 per call; three must be exactly $0.9 (not 0.8999999999999999).
    fake.setResponder(() => replyWithText('hi', { input: 0, output: 20_000 }));
    let total = zeroUsage;
    for (let i = 0; i < 3; i++) {
      const t = await client.complete({ model, system: 's', tools: [], conversation: [{ role: 'user', text: 'hello' }] });
      total = addUsage(total, t.usage);
    }
    expect(total.costUsd).toBe(0.9);
    expect(total.outputTokens).toBe(60_000);
  });

  it('replays malformed tool arguments as an object the API accepts', async () => {
    fake.setResponder(() => replyWithText('ok'));
    const { client, model } = clientFor('anthropic', fake);
    await client.complete({
      model,
      system: 's',
      tools: [writeFileTool],
      conversation: [
        { role: 'user', text: 'go' },
        { role: 'assistant', toolCalls: [{ id: 'toolu_1', name: 'write_file', argumentsJson: '{"path": ' }] },
        {
          role: 'tool_results',
          results: [{ callId: 'toolu_1', name: 'write_file', content: 'arguments are not valid JSON', isError: true }],
        },
      ],
    });
    expect(JSON.parse(fake.requests[0]!.messages[1]!.toolCalls![0]!.arguments)).toEqual({ unparsed_arguments: '{"path": ' });
  });

  it('returns tool input that is not an object as its JSON text', async () => {
    fake.setResponder(() => replyWithTool('write_file', 'not json at all'));
    const { client, model } = clientFor('anthropic', fake);
    const turn = await client.complete({ model, system: 's', tools: [writeFileTool], conversation: [{ role: 'user', text: 'go' }] });
    expect(turn.toolCalls[0]!.argumentsJson).toBe('"not json at all"');
  });
});
