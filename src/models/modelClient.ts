import type { ReasoningEffort } from '../schemas/reasoning';
import type { Usage } from '../schemas/usage';

/** A tool as offered to a model; `inputSchema` is JSON Schema (made from the tool's zod schema). */
export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

/** A tool call as the model wrote it; arguments stay raw text so malformed JSON can be reported back. */
export interface ToolCall {
  id: string;
  name: string;
  argumentsJson: string;
}

export interface ToolResult {
  callId: string;
  name: string;
  content: string;
  isError: boolean;
}

/**
 * Anthropic's extended-thinking blocks, kept exactly as the API returned them: with tools, they must be
 * sent back unchanged (signature included) in the same assistant message as its `tool_use` blocks.
 */
export type ThinkingBlock = { type: 'thinking'; thinking: string; signature: string } | { type: 'redacted_thinking'; data: string };

/** Provider-neutral conversation; each provider maps it onto its own wire format. */
export type ConversationItem =
  | { role: 'user'; text: string }
  | { role: 'assistant'; text?: string; toolCalls: ToolCall[]; thinking?: ThinkingBlock[] }
  | { role: 'tool_results'; results: ToolResult[] };

/** How hard a reasoning model thinks: OpenAI's `reasoning_effort`, an extended-thinking budget for Anthropic. */
export type { ReasoningEffort } from '../schemas/reasoning';

export interface ModelTurnRequest {
  /** Model name without the provider prefix. */
  model: string;
  system: string;
  tools: ToolSpec[];
  conversation: ConversationItem[];
  maxOutputTokens?: number;
  /** Unset: the provider's default. */
  reasoningEffort?: ReasoningEffort;
  signal?: AbortSignal;
}

export interface ModelTurn {
  text?: string;
  toolCalls: ToolCall[];
  /** Usage of this one call, with its cost from the price table. */
  usage: Usage;
  stopReason: string;
  /** The reply hit the output limit: its text or tool-call arguments are incomplete. */
  cutOff: boolean;
  thinking?: ThinkingBlock[];
}

export interface ModelClient {
  readonly provider: 'openai' | 'anthropic';
  complete(req: ModelTurnRequest): Promise<ModelTurn>;
}
