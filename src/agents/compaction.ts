import { promises as fs } from 'fs';
import { ApplicationFailure } from '@temporalio/common';
import type { ConversationItem, ModelClient, ToolResult } from '../models/modelClient';
import { addUsage, zeroUsage, type Usage } from '../schemas/usage';
import { estimateTokens, itemsTokens } from './contextMeter';
import type { RenderedPrompt } from './promptTemplate';
import type { RunFacts } from './runFacts';
import { resolveExisting } from './tools/pathConfinement';
import { numberedLines } from './tools/textMatching';

export interface CompactionRequest {
  client: ModelClient;
  model: string;
  conversation: readonly ConversationItem[];
  /** Tokens the prompt may hold in this model's window. */
  promptBudget: number;
  /** Share of the budget the latest turns may keep verbatim; smaller after the provider refused a request. */
  keepShare: number;
  facts: RunFacts;
  /** The working directory, to show the current state of the files the run changed. */
  dir: string;
  /** Renders the summariser's prompt around the older turns. */
  summaryPrompt(history: string): RenderedPrompt;
  signal: AbortSignal;
}

export interface Compacted {
  conversation: ConversationItem[];
  summary: string;
  /** The summary call's usage (zero when nothing older was there to summarise). */
  usage: Usage;
  summarisedItems: number;
}

/** Room for the summary itself. */
const SUMMARY_OUTPUT_TOKENS = 4_096;
/** Clips applied to older turns when they are written out for the summariser. */
const CLIP_RESULT_CHARS = 1_500;
const CLIP_ARGUMENTS_CHARS = 600;
/** When nothing older is left, the kept turns' tool results are shortened to this instead. */
const SHRUNK_RESULT_CHARS = 2_000;
const MAX_FILES_SHOWN = 10;
const FILE_HEAD_LINES = 40;
const FILE_HEAD_CHARS = 1_500;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [${text.length - max} characters left out]`;
}

function render(items: readonly ConversationItem[]): string {
  const names = new Map<string, string>();
  const lines: string[] = [];
  for (const item of items) {
    switch (item.role) {
      case 'user':
        lines.push(`[user] ${clip(item.text, 4_000)}`);
        break;
      case 'assistant':
        if (item.text) lines.push(`[assistant] ${clip(item.text, 4_000)}`);
        for (const call of item.toolCalls) {
          names.set(call.id, call.name);
          lines.push(`[call ${call.name}] ${clip(call.argumentsJson, CLIP_ARGUMENTS_CHARS)}`);
        }
        break;
      case 'tool_results':
        for (const r of item.results) {
          lines.push(`[result of ${names.get(r.callId) ?? r.name}${r.isError ? ', error' : ''}] ${clip(r.content, CLIP_RESULT_CHARS)}`);
        }
        break;
    }
  }
  return lines.join('\n');
}

/** Where the kept tail begins: at an assistant turn, so every tool result stays with its call. */
function keptFrom(conversation: readonly ConversationItem[], keepTokens: number): number {
  let from = -1;
  for (let i = conversation.length - 1; i >= 1; i--) {
    if (conversation[i]?.role !== 'assistant') continue;
    if (from !== -1 && itemsTokens(conversation.slice(i)) > keepTokens) break;
    from = i;
  }
  return from === -1 ? conversation.length : from;
}

function shrinkResults(items: readonly ConversationItem[]): ConversationItem[] {
  return items.map((item) =>
    item.role === 'tool_results'
      ? { role: 'tool_results', results: item.results.map((r): ToolResult => ({ ...r, content: clip(r.content, SHRUNK_RESULT_CHARS) })) }
      : item,
  );
}

async function filesState(dir: string, facts: RunFacts): Promise<string> {
  const files = [...facts.filesChanged];
  if (files.length === 0) return 'You have not changed any file yet.';
  const parts: string[] = [];
  for (const rel of files.slice(0, MAX_FILES_SHOWN)) {
    try {
      const target = await resolveExisting(dir, rel);
      const text = await fs.readFile(target.abs, 'utf8');
      const total = text.split('\n').length;
      parts.push(`${rel} (${total} lines; its start as it is now):\n${clip(numberedLines(text, 1, FILE_HEAD_LINES), FILE_HEAD_CHARS)}`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A file the run changed and then removed is a fact worth keeping, not an error.
      if (code !== 'ENOENT' && !(err instanceof Error && err.name === 'ToolError')) throw err;
      parts.push(`${rel}: no longer exists`);
    }
  }
  if (files.length > MAX_FILES_SHOWN)
    parts.push(`… and ${files.length - MAX_FILES_SHOWN} more: ${files.slice(MAX_FILES_SHOWN).join(', ')}`);
  return parts.join('\n\n');
}

function isContextTooLong(err: unknown): boolean {
  return err instanceof ApplicationFailure && err.type === 'ModelContextTooLong';
}

/**
 * Shrinks a conversation that is filling the model's window, as Codex's compaction and OpenHands'
 * summarising condenser do: the task (the opening message) and the latest turns stay verbatim, the
 * older turns are replaced by a summary the model writes, and the current state of the files the run
 * changed is put next to it. The caller keeps the full conversation in the transcript.
 */
export async function compactConversation(req: CompactionRequest): Promise<Compacted> {
  const [task, ...rest] = req.conversation;
  if (!task) throw new Error('cannot compact an empty conversation');
  const from = keptFrom(req.conversation, req.promptBudget * req.keepShare);
  const older = rest.slice(0, Math.max(0, from - 1));
  const kept = req.conversation.slice(from);
  if (older.length === 0) {
    // Only the latest turn is left and it is itself too large: its tool results are shortened.
    return { conversation: [task, ...shrinkResults(kept)], summary: '', usage: zeroUsage, summarisedItems: 0 };
  }

  let usage: Usage = zeroUsage;
  let historyChars = Math.max(8_000, Math.floor(req.promptBudget * 0.5) * 4 - estimateTokens(JSON.stringify(task)) * 4);
  let summary: string | undefined;
  for (let attempt = 0; summary === undefined; attempt++) {
    const history = render(older);
    // The most recent of the older turns matter most; the start is what gets dropped.
    const shown = history.length <= historyChars ? history : `[… earlier turns left out]\n${history.slice(history.length - historyChars)}`;
    const prompt = req.summaryPrompt(shown);
    try {
      const answer = await req.client.complete({
        model: req.model,
        system: prompt.system,
        tools: [],
        conversation: [{ role: 'user', text: prompt.kickoff }],
        maxOutputTokens: SUMMARY_OUTPUT_TOKENS,
        signal: req.signal,
      });
      usage = addUsage(usage, answer.usage);
      summary = answer.text?.trim() || `(no summary was written; the earlier turns were:)\n${clip(shown, 6_000)}`;
    } catch (err) {
      if (!isContextTooLong(err) || attempt >= 3) throw err;
      historyChars = Math.floor(historyChars / 2);
    }
  }

  const note =
    `[Context compacted: ${older.length} earlier message(s) were replaced by this summary to stay within the model's context window. ` +
    `The full transcript is kept on disk. Re-read files rather than trusting memory of their content.]\n\n` +
    `## Summary of the work so far\n\n${summary}\n\n## Files you changed\n\n${await filesState(req.dir, req.facts)}`;
  return { conversation: [task, { role: 'user', text: note }, ...kept], summary, usage, summarisedItems: older.length };
}
