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

/** Provider-neutral conversation; each provider maps it onto its own wire format. */
export type ConversationItem =
  | { role: 'user'; text: string }
  | { role: 'assistant'; text?: string; toolCalls: ToolCall[] }
  | { role: 'tool_results'; results: ToolResult[] };

export interface ModelTurnRequest {
  /** Model name without the provider prefix. */
  model: string;
  system: string;
  tools: ToolSpec[];
  conversation: ConversationItem[];
  maxOutputTokens?: number;
  signal?: AbortSignal;
}

export interface ModelTurn {
  text?: string;
  toolCalls: ToolCall[];
  /** Usage of this one call, with its cost from the price table. */
  usage: Usage;
  stopReason: string;
}

export interface ModelClient {
  readonly provider: 'openai' | 'anthropic';
  complete(req: ModelTurnRequest): Promise<ModelTurn>;
}
