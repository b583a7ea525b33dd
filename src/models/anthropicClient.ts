import Anthropic from '@anthropic-ai/sdk';
import type {
  ContentBlockParam,
  MessageCreateParamsNonStreaming,
  MessageParam,
  TextBlockParam,
  Tool,
} from '@anthropic-ai/sdk/resources/messages';
import { z } from 'zod';
import { thinkingFor } from './anthropicThinking';
import type { ConversationItem, ModelClient, ModelTurn, ModelTurnRequest, ThinkingBlock, ToolSpec } from './modelClient';
import { ModelResponseError, rethrowAsModelFailure } from './modelErrors';
import { type PriceTable, usageOfCall, warnOnce } from './priceTable';

export interface AnthropicModelClientOptions {
  apiKey: string;
  baseURL?: string | undefined;
  prices: Readonly<PriceTable>;
  /** Per request; set explicitly, which also lets large `max_tokens` go without streaming. */
  timeoutMs?: number | undefined;
  /** SDK-level retries; kept at 0 by default because Temporal's retry policy decides, honouring retry-after. */
  maxRetries?: number | undefined;
  /** Receives non-fatal notices such as a model missing from the price table. */
  onWarning?: ((message: string) => void) | undefined;
}

export const defaultAnthropicTimeoutMs = 10 * 60_000;

/** The Messages API requires `max_tokens`; used only when the caller names no output limit. */
export const defaultAnthropicMaxOutputTokens = 8_192;

const ephemeral = { type: 'ephemeral' } as const;

/** The part of a Messages response we rely on. */
const MessageReply = z.object({
  content: z.array(
    z.union([
      z.object({ type: z.literal('text'), text: z.string() }),
      z.object({ type: z.literal('tool_use'), id: z.string(), name: z.string(), input: z.unknown() }),
      z.object({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() }),
      z.object({ type: z.literal('redacted_thinking'), data: z.string() }),
      // Server-tool blocks carry nothing this client hands back.
      z.object({ type: z.string() }),
    ]),
  ),
  stop_reason: z.string().nullish(),
  usage: z.object({
    input_tokens: z.number().int().nonnegative(),
    output_tokens: z.number().int().nonnegative(),
    cache_read_input_tokens: z.number().int().nonnegative().nullish(),
    cache_creation_input_tokens: z.number().int().nonnegative().nullish(),
  }),
});

/** Tools go first in the prompt; a cache breakpoint on the last one caches all of them. */
function toAnthropicTools(tools: ToolSpec[]): Tool[] {
  return tools.map((tool, index) => ({
    name: tool.name,
    description: tool.description,
    input_schema: { ...tool.inputSchema, type: 'object' },
    ...(index === tools.length - 1 ? { cache_control: ephemeral } : {}),
  }));
}

/** Tool-call arguments are stored as text; the API wants the parsed object back. */
function parseToolInput(argumentsJson: string): unknown {
  try {
    const parsed: unknown = JSON.parse(argumentsJson);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed;
  } catch {
    // Handled below with the non-object case.
  }
  // Malformed or cut-off arguments were already reported to the model as a tool error; replaying them
  // verbatim keeps the transcript honest while satisfying the API's need for an object.
  return { unparsed_arguments: argumentsJson };
}

function toBlocks(item: ConversationItem): { role: 'user' | 'assistant'; blocks: ContentBlockParam[] } {
  switch (item.role) {
    case 'user':
      return { role: 'user', blocks: [{ type: 'text', text: item.text }] };
    case 'assistant':
      return {
        role: 'assistant',
        blocks: [
          // Thinking first and unchanged, as the API requires when the turn used tools.
          ...(item.thinking ?? []),
          // The API rejects empty text blocks.
          ...(item.text ? [{ type: 'text' as const, text: item.text }] : []),
          ...item.toolCalls.map((call) => ({
            type: 'tool_use' as const,
            id: call.id,
            name: call.name,
            input: parseToolInput(call.argumentsJson),
          })),
        ],
      };
    case 'tool_results':
      return {
        role: 'user',
        blocks: item.results.map((result) => ({
          type: 'tool_result' as const,
          tool_use_id: result.callId,
          content: result.content,
          is_error: result.isError,
        })),
      };
  }
}

/**
 * Maps the conversation onto alternating user/assistant messages (tool results ride in a user message, so a
 * following user text joins it). A cache breakpoint on the last block lets the next turn of an agent loop
 * read the whole conversation so far from cache instead of paying for it again.
 */
function toAnthropicMessages(conversation: ConversationItem[]): MessageParam[] {
  const messages: { role: 'user' | 'assistant'; content: ContentBlockParam[] }[] = [];
  for (const item of conversation) {
    const { role, blocks } = toBlocks(item);
    if (blocks.length === 0) continue;
    const last = messages[messages.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  }
  const lastMessage = messages[messages.length - 1];
  const lastBlock = lastMessage?.content[lastMessage.content.length - 1];
  if (lastMessage && lastBlock && lastBlock.type !== 'thinking' && lastBlock.type !== 'redacted_thinking') {
    lastMessage.content[lastMessage.content.length - 1] = { ...lastBlock, cache_control: ephemeral };
  }
  return messages;
}

function toSystem(system: string): TextBlockParam[] | undefined {
  return system === '' ? undefined : [{ type: 'text', text: system, cache_control: ephemeral }];
}

/** A ModelClient over the Anthropic Messages API, with prompt caching of tools, system and conversation. */
export class AnthropicModelClient implements ModelClient {
  readonly provider = 'anthropic' as const;
  private readonly sdk: Anthropic;
  private readonly prices: Readonly<PriceTable>;
  private readonly warn: (message: string) => void;

  constructor(options: AnthropicModelClientOptions) {
    this.sdk = new Anthropic({
      apiKey: options.apiKey,
      // Explicit default so the SDK does not fall back to process.env.
      baseURL: options.baseURL ?? 'https://api.anthropic.com',
      timeout: options.timeoutMs ?? defaultAnthropicTimeoutMs,
      maxRetries: options.maxRetries ?? 0,
    });
    this.prices = options.prices;
    this.warn = options.onWarning ?? warnOnce;
  }

  async complete(req: ModelTurnRequest): Promise<ModelTurn> {
    const system = toSystem(req.system);
    const maxTokens = req.maxOutputTokens ?? defaultAnthropicMaxOutputTokens;
    const thinking = thinkingFor(req.reasoningEffort, maxTokens);
    const body: MessageCreateParamsNonStreaming = {
      model: req.model,
      max_tokens: maxTokens,
      ...(thinking ? { thinking } : {}),
      messages: toAnthropicMessages(req.conversation),
      ...(system ? { system } : {}),
      ...(req.tools.length > 0 ? { tools: toAnthropicTools(req.tools) } : {}),
    };
    let raw: unknown;
    try {
      raw = await this.sdk.messages.create(body, req.signal ? { signal: req.signal } : {});
    } catch (err) {
      rethrowAsModelFailure(err, 'anthropic', { model: req.model, signal: req.signal });
    }
    try {
      return this.toTurn(req.model, raw);
    } catch (err) {
      rethrowAsModelFailure(err, 'anthropic', { model: req.model });
    }
  }

  private toTurn(model: string, raw: unknown): ModelTurn {
    const parsed = MessageReply.safeParse(raw);
    if (!parsed.success) {
      throw new ModelResponseError(`message did not have the expected shape: ${z.prettifyError(parsed.error)}`);
    }
    const texts: string[] = [];
    const toolCalls: ModelTurn['toolCalls'] = [];
    const thinking: ThinkingBlock[] = [];
    for (const block of parsed.data.content) {
      if ('text' in block && block.type === 'text') texts.push(block.text);
      else if ('id' in block && block.type === 'tool_use') {
        toolCalls.push({ id: block.id, name: block.name, argumentsJson: JSON.stringify(block.input ?? {}) });
      } else if ('signature' in block && block.type === 'thinking') {
        thinking.push({ type: 'thinking', thinking: block.thinking, signature: block.signature });
      } else if ('data' in block && block.type === 'redacted_thinking') {
        thinking.push({ type: 'redacted_thinking', data: block.data });
      }
    }
    const usage = parsed.data.usage;
    const cacheRead = usage.cache_read_input_tokens ?? 0;
    // Anthropic reports uncached, cache-read and cache-write input separately; all of it is input.
    const priced = usageOfCall(this.prices, `anthropic:${model}`, {
      inputTokens: usage.input_tokens + cacheRead + (usage.cache_creation_input_tokens ?? 0),
      cachedInputTokens: cacheRead,
      outputTokens: usage.output_tokens,
    });
    if (priced.warning) this.warn(priced.warning);
    const text = texts.join('\n');
    return {
      ...(text ? { text } : {}),
      toolCalls,
      usage: priced.usage,
      stopReason: parsed.data.stop_reason ?? 'unknown',
      // A reply stopped by the context window is cut off just the same.
      cutOff: parsed.data.stop_reason === 'max_tokens' || parsed.data.stop_reason === 'model_context_window_exceeded',
      ...(thinking.length > 0 ? { thinking } : {}),
    };
  }
}
