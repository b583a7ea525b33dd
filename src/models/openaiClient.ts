import OpenAI from 'openai';
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import { z } from 'zod';
import type { ConversationItem, ModelClient, ModelTurn, ModelTurnRequest, ToolCall, ToolSpec } from './modelClient';
import { ModelResponseError, rethrowAsModelFailure } from './modelErrors';
import { type PriceTable, usageOfCall, warnOnce } from './priceTable';

export interface OpenAIModelClientOptions {
  apiKey: string;
  /** An OpenAI-compatible endpoint (vLLM, Ollama, a proxy); the official API when absent. */
  baseURL?: string | undefined;
  organization?: string | undefined;
  project?: string | undefined;
  prices: Readonly<PriceTable>;
  /** Per request. Long because one agent turn may write a lot; Temporal's activity timeout bounds it too. */
  timeoutMs?: number | undefined;
  /** SDK-level retries; kept at 0 by default because Temporal's retry policy decides, honouring retry-after. */
  maxRetries?: number | undefined;
  /** Receives non-fatal notices such as a model missing from the price table. */
  onWarning?: ((message: string) => void) | undefined;
}

export const defaultModelRequestTimeoutMs = 10 * 60_000;

/**
 * Chat Completions has no flag for a failed tool call, so failure is stated in the content itself.
 * Exported so test fixtures can read it back.
 */
export const openAIToolErrorPrefix = 'ERROR: ';

/** The part of a Chat Completions response we rely on, checked because compatible servers vary. */
const ChatCompletionReply = z.object({
  choices: z
    .array(
      z.object({
        finish_reason: z.string().nullish(),
        message: z.object({
          content: z.string().nullish(),
          tool_calls: z
            .array(
              z.union([
                z.object({
                  id: z.string().nullish(),
                  type: z.literal('function').optional(),
                  function: z.object({ name: z.string(), arguments: z.string().nullish() }),
                }),
                z.object({
                  id: z.string().nullish(),
                  type: z.literal('custom'),
                  custom: z.object({ name: z.string(), input: z.string() }),
                }),
              ]),
            )
            .nullish(),
        }),
      }),
    )
    .min(1, 'has no choices'),
  usage: z
    .object({
      prompt_tokens: z.number().int().nonnegative(),
      completion_tokens: z.number().int().nonnegative(),
      prompt_tokens_details: z.object({ cached_tokens: z.number().int().nonnegative().nullish() }).nullish(),
    })
    .nullish(),
});

function toOpenAITools(tools: ToolSpec[]): ChatCompletionTool[] {
  return tools.map((tool) => ({
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.inputSchema },
  }));
}

function toOpenAIMessages(system: string, conversation: ConversationItem[]): ChatCompletionMessageParam[] {
  const messages: ChatCompletionMessageParam[] = [];
  if (system !== '') messages.push({ role: 'system', content: system });
  for (const item of conversation) {
    switch (item.role) {
      case 'user':
        messages.push({ role: 'user', content: item.text });
        break;
      case 'assistant':
        messages.push({
          role: 'assistant',
          // Some compatible servers reject a null content, so an empty turn is sent as ''.
          content: item.text ?? (item.toolCalls.length > 0 ? null : ''),
          ...(item.toolCalls.length > 0
            ? {
                tool_calls: item.toolCalls.map((call) => ({
                  id: call.id,
                  type: 'function' as const,
                  function: { name: call.name, arguments: call.argumentsJson },
                })),
              }
            : {}),
        });
        break;
      case 'tool_results':
        for (const result of item.results) {
          messages.push({
            role: 'tool',
            tool_call_id: result.callId,
            content: result.isError ? `${openAIToolErrorPrefix}${result.content}` : result.content,
          });
        }
        break;
    }
  }
  return messages;
}

/** A ModelClient over the Chat Completions API, which OpenAI-compatible servers also speak. */
export class OpenAIModelClient implements ModelClient {
  readonly provider = 'openai' as const;
  private readonly sdk: OpenAI;
  private readonly prices: Readonly<PriceTable>;
  private readonly warn: (message: string) => void;

  constructor(options: OpenAIModelClientOptions) {
    // Every setting is passed explicitly (null = unset) so the SDK does not read process.env behind our back.
    this.sdk = new OpenAI({
      apiKey: options.apiKey,
      adminAPIKey: null,
      baseURL: options.baseURL ?? null,
      organization: options.organization ?? null,
      project: options.project ?? null,
      timeout: options.timeoutMs ?? defaultModelRequestTimeoutMs,
      maxRetries: options.maxRetries ?? 0,
    });
    this.prices = options.prices;
    this.warn = options.onWarning ?? warnOnce;
  }

  async complete(req: ModelTurnRequest): Promise<ModelTurn> {
    const body: ChatCompletionCreateParamsNonStreaming = {
      model: req.model,
      messages: toOpenAIMessages(req.system, req.conversation),
      ...(req.tools.length > 0 ? { tools: toOpenAITools(req.tools) } : {}),
      ...(req.maxOutputTokens !== undefined ? { max_completion_tokens: req.maxOutputTokens } : {}),
      ...(req.reasoningEffort !== undefined ? { reasoning_effort: req.reasoningEffort } : {}),
    };
    let raw: unknown;
    try {
      raw = await this.sdk.chat.completions.create(body, req.signal ? { signal: req.signal } : {});
    } catch (err) {
      rethrowAsModelFailure(err, 'openai', { model: req.model, signal: req.signal });
    }
    try {
      return this.toTurn(req.model, raw);
    } catch (err) {
      rethrowAsModelFailure(err, 'openai', { model: req.model });
    }
  }

  private toTurn(model: string, raw: unknown): ModelTurn {
    const parsed = ChatCompletionReply.safeParse(raw);
    if (!parsed.success) {
      throw new ModelResponseError(`chat completion did not have the expected shape: ${z.prettifyError(parsed.error)}`);
    }
    const choice = parsed.data.choices[0]!;
    const toolCalls: ToolCall[] = (choice.message.tool_calls ?? []).map((call, index) =>
      'custom' in call
        ? { id: call.id || `call_${index}`, name: call.custom.name, argumentsJson: call.custom.input }
        : { id: call.id || `call_${index}`, name: call.function.name, argumentsJson: call.function.arguments ?? '' },
    );
    const usage = parsed.data.usage;
    const priced = usageOfCall(this.prices, `openai:${model}`, {
      inputTokens: usage?.prompt_tokens ?? 0,
      cachedInputTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
      outputTokens: usage?.completion_tokens ?? 0,
    });
    if (priced.warning) this.warn(priced.warning);
    if (!usage) this.warn(`The server for openai:${model} reported no token usage; this call is counted as 0 tokens.`);
    const text = choice.message.content;
    return {
      ...(text ? { text } : {}),
      toolCalls,
      usage: priced.usage,
      stopReason: choice.finish_reason ?? 'unknown',
      cutOff: choice.finish_reason === 'length',
    };
  }
}
