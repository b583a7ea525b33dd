import type { ConversationItem } from '../models/modelClient';
import { addUsage, zeroUsage, type Usage } from '../schemas/usage';
import type { TranscriptRecord } from '../state/transcriptStore';

/** How a run ended, as its `end` record says. */
export interface RecordedEnd {
  stop: string;
  result?: unknown;
}

export type Replay =
  | {
      available: true;
      conversation: ConversationItem[];
      /** Every message of the run up to that turn, compacted ones included (the conversation may be compacted). */
      history: ConversationItem[];
      /** The last turn closed by a checkpoint, and the usage and working time up to it. */
      turn: number;
      usage: Usage;
      elapsedMs: number;
      /** Set when the run had already ended at that turn. */
      ended?: RecordedEnd;
    }
  | { available: false; reason: string };

/** A message, or a compaction that replaces the conversation so far. */
type Entry = { turn: number; item: ConversationItem } | { turn: number; compacted: ConversationItem[] };

interface Lineage {
  items: Entry[];
  checkpoints: Map<number, { usage: Usage; elapsedMs: number }>;
  ends: Map<number, RecordedEnd>;
}

/**
 * Rebuilds the latest run of `role` from a transcript. One file may hold several runs (a worker's task
 * run and its conflict runs share one) and several attempts of each: a fresh start of a role begins a
 * new lineage for it, a resumed start discards what an abandoned attempt wrote after the turn it
 * resumed from, and every other record belongs to the run started last. Only turns closed by a
 * checkpoint count, so a turn cut short by a crash is never replayed half-done.
 */
export function replayLatestRun(records: TranscriptRecord[], role: string): Replay {
  const lineages = new Map<string, Lineage>();
  let current: Lineage | undefined;
  for (const [index, record] of records.entries()) {
    if (record.kind === 'start') {
      const existing = lineages.get(record.role);
      if (record.resumedFromTurn === undefined || !existing) {
        current = { items: [], checkpoints: new Map(), ends: new Map() };
        lineages.set(record.role, current);
      } else {
        const keep = record.resumedFromTurn;
        existing.items = existing.items.filter((i) => i.turn <= keep);
        existing.checkpoints = new Map([...existing.checkpoints].filter(([t]) => t <= keep));
        existing.ends = new Map([...existing.ends].filter(([t]) => t <= keep));
        current = existing;
      }
      continue;
    }
    if (!current) return { available: false, reason: `record ${index + 1} comes before any start record` };
    switch (record.kind) {
      case 'item':
        current.items.push({ turn: record.turn, item: record.item });
        break;
      case 'checkpoint':
        current.checkpoints.set(record.turn, { usage: record.usage, elapsedMs: record.elapsedMs ?? 0 });
        break;
      case 'compaction':
        current.items.push({ turn: record.turn, compacted: record.conversation });
        break;
      case 'end':
        current.ends.set(record.turn, { stop: record.stop, ...(record.result !== undefined ? { result: record.result } : {}) });
        break;
      case 'model_call':
      case 'note':
        break;
    }
  }
  const lineage = lineages.get(role);
  if (!lineage) return { available: false, reason: `the transcript holds no ${role} run` };
  if (lineage.checkpoints.size === 0) return { available: false, reason: `the ${role} run has no finished turn` };
  const turn = Math.max(...lineage.checkpoints.keys());
  let conversation: ConversationItem[] = [];
  const history: ConversationItem[] = [];
  for (const entry of lineage.items) {
    if (entry.turn > turn) continue;
    if ('compacted' in entry) conversation = [...entry.compacted];
    else {
      conversation.push(entry.item);
      history.push(entry.item);
    }
  }
  if (conversation.length === 0) return { available: false, reason: `the ${role} run holds no conversation` };
  const { usage, elapsedMs } = lineage.checkpoints.get(turn) as { usage: Usage; elapsedMs: number };
  const ended = lineage.ends.get(turn);
  const replay = { available: true as const, conversation, history, turn, usage, elapsedMs };
  return ended ? { ...replay, ended } : replay;
}

/**
 * Every model call a transcript records as billed (answers and compaction summaries), of every attempt,
 * of the runs of `role` (all roles when absent). A call is recorded the moment it returns, so the calls
 * of an attempt that failed or was killed after them are here too, once each, while a checkpoint's
 * usage only covers the turns it closed.
 */
export function billedUsage(records: TranscriptRecord[], role?: string): Usage {
  let usage = zeroUsage;
  let current: string | undefined;
  for (const record of records) {
    if (record.kind === 'start') current = record.role;
    else if ((record.kind === 'model_call' || record.kind === 'compaction') && (role === undefined || current === role)) {
      usage = addUsage(usage, record.usage);
    }
  }
  return usage;
}
