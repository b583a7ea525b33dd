import type { ConversationItem, ToolSpec } from '../models/modelClient';
import type { ModelProfile } from '../models/modelProfiles';
import type { Usage } from '../schemas/usage';

/** About four characters a token for English text and code; the estimate only has to be safe between calls. */
const CHARS_PER_TOKEN = 4;

/** Compaction starts when the prompt is expected to fill this share of what the window leaves for it. */
const COMPACT_AT = 0.8;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

export function itemsTokens(items: readonly ConversationItem[]): number {
  return estimateTokens(JSON.stringify(items));
}

/**
 * Knows how large a conversation's next request is: the prompt size the provider reported for the
 * last call (plus that call's answer), and an estimate for what was added since. A provider that
 * refused a request as too long also teaches the meter that the window is smaller than the table said.
 */
export class ContextMeter {
  private measured: { tokens: number; items: number } | undefined;
  private window: number;

  constructor(
    private readonly profile: ModelProfile,
    private readonly fixedTokens: number,
  ) {
    this.window = profile.contextWindow;
  }

  static of(profile: ModelProfile, system: string, tools: readonly ToolSpec[]): ContextMeter {
    return new ContextMeter(profile, estimateTokens(system) + estimateTokens(JSON.stringify(tools)));
  }

  /** Tokens the prompt may hold: the window less the room kept for the answer. */
  get promptBudget(): number {
    return this.window - this.profile.maxOutputTokens;
  }

  /** After a call: `items` is the conversation's length once the answer was appended. */
  measure(usage: Usage, items: number): void {
    this.measured = { tokens: usage.inputTokens + usage.outputTokens, items };
  }

  /** After compaction the conversation is new, and only estimates apply. */
  reset(): void {
    this.measured = undefined;
  }

  estimate(conversation: readonly ConversationItem[]): number {
    if (this.measured && this.measured.items <= conversation.length) {
      return this.measured.tokens + itemsTokens(conversation.slice(this.measured.items));
    }
    return this.fixedTokens + itemsTokens(conversation);
  }

  needsCompaction(conversation: readonly ConversationItem[]): boolean {
    return this.estimate(conversation) > this.promptBudget * COMPACT_AT;
  }

  /** The provider refused `conversation` as too long: the usable window is below its size. */
  refused(conversation: readonly ConversationItem[]): void {
    const size = this.estimate(conversation) + this.profile.maxOutputTokens;
    this.window = Math.max(this.profile.maxOutputTokens * 2, Math.min(this.window, Math.floor(size * 0.9)));
  }
}
