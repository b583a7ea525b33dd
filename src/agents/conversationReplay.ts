import type { ConversationItem } from '../models/modelClient';
import type { Usage } from '../schemas/usage';
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
      /** The last turn closed by a checkpoint, and the usage up to it. */
      turn: number;
      usage: Usage;
      /** Set when the run had already ended at that turn. */
      ended?: RecordedEnd;
    }
  | { available: false; reason: string };

interface Lineage {
  items: { turn: number; item: ConversationItem }[];
  checkpoints: Map<number, Usage>;
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
        current.checkpoints.set(record.turn, record.usage);
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
  const conversation = lineage.items.filter((i) => i.turn <= turn).map((i) => i.item);
  if (conversation.length === 0) return { available: false, reason: `the ${role} run holds no conversation` };
  const usage = lineage.checkpoints.get(turn) as Usage;
  const ended = lineage.ends.get(turn);
  return ended ? { available: true, conversation, turn, usage, ended } : { available: true, conversation, turn, usage };
}
