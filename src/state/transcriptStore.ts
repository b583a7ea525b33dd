import { promises as fs } from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { Usage } from '../schemas/usage';
import { redactDeep } from '../secrets/redactSecrets';

const ToolCallRecord = z.object({ id: z.string(), name: z.string(), argumentsJson: z.string() });
const ThinkingRecord = z.discriminatedUnion('type', [
  z.object({ type: z.literal('thinking'), thinking: z.string(), signature: z.string() }),
  z.object({ type: z.literal('redacted_thinking'), data: z.string() }),
]);
const ToolResultRecord = z.object({ callId: z.string(), name: z.string(), content: z.string(), isError: z.boolean() });

/** Mirrors ConversationItem from the model client, so a transcript can be replayed into a conversation. */
export const ConversationItemRecord = z.discriminatedUnion('role', [
  z.object({ role: z.literal('user'), text: z.string() }),
  z.object({
    role: z.literal('assistant'),
    text: z.string().optional(),
    toolCalls: z.array(ToolCallRecord),
    thinking: z.array(ThinkingRecord).optional(),
  }),
  z.object({ role: z.literal('tool_results'), results: z.array(ToolResultRecord) }),
]);

/**
 * One line of a transcript. `turn` counts model calls: the opening message is turn 0, everything a
 * model call led to (its answer, the tool results, a reminder) carries that call's number.
 */
export const TranscriptRecord = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('start'),
    at: z.string(),
    role: z.string(),
    model: z.string(),
    promptVersion: z.string(),
    system: z.string(),
    tools: z.array(z.string()),
    /** Set when this run continues an earlier attempt: records past this turn are superseded. */
    resumedFromTurn: z.number().int().nonnegative().optional(),
  }),
  z.object({ kind: z.literal('item'), turn: z.number().int().nonnegative(), item: ConversationItemRecord }),
  z.object({
    kind: z.literal('model_call'),
    turn: z.number().int().positive(),
    usage: Usage,
    stopReason: z.string(),
  }),
  /** Written after every turn, before the same checkpoint is sent as a heartbeat. */
  z.object({
    kind: z.literal('checkpoint'),
    turn: z.number().int().nonnegative(),
    usage: Usage,
    /** Time the run has worked so far, over all its attempts. */
    elapsedMs: z.number().nonnegative().optional(),
  }),
  z.object({ kind: z.literal('note'), turn: z.number().int().nonnegative(), text: z.string() }),
  /**
   * From here the run continues with `conversation` (the task, a summary, the latest turns) instead of
   * everything before; the records before it stay in the file, so the transcript remains whole.
   */
  z.object({
    kind: z.literal('compaction'),
    turn: z.number().int().nonnegative(),
    reason: z.string(),
    summarisedItems: z.number().int().nonnegative(),
    usage: Usage,
    conversation: z.array(ConversationItemRecord),
  }),
  z.object({
    kind: z.literal('end'),
    turn: z.number().int().nonnegative(),
    usage: Usage,
    stop: z.string(),
    result: z.unknown().optional(),
  }),
]);
export type TranscriptRecord = z.infer<typeof TranscriptRecord>;

export interface TranscriptReadout {
  records: TranscriptRecord[];
  /** The last line was cut off (a crash while appending); it is not among `records`. */
  truncatedTail: boolean;
}

export interface TranscriptStoreOptions {
  /** Root of longhaul's local state; defaults to LONGHAUL_STATE_DIR, else `.longhaul` in the cwd. */
  stateDir?: string;
}

export interface TranscriptOwner {
  projectId: string;
  cycle: number;
  /** A task id or a planner id; `judge` for the cycle's judge. */
  agentId: string;
}

/** Keeps ids usable as single path segments whatever characters they contain. */
function segment(id: string): string {
  const safe = id.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return safe === '' ? '_' : safe.slice(0, 120);
}

/**
 * Full agent transcripts as JSON Lines files, one per agent run. Only their refs (short relative
 * paths) travel through workflow history; the content stays on the worker's disk.
 */
export class TranscriptStore {
  readonly stateDir: string;

  constructor(options: TranscriptStoreOptions = {}) {
    this.stateDir = path.resolve(options.stateDir ?? process.env.LONGHAUL_STATE_DIR ?? '.longhaul');
  }

  /** `transcripts/<projectId>/cycle-<n>/<agentId>.jsonl`, relative to the state dir. */
  static refFor(owner: TranscriptOwner): string {
    return ['transcripts', segment(owner.projectId), `cycle-${owner.cycle}`, `${segment(owner.agentId)}.jsonl`].join('/');
  }

  /** `transcripts/<projectId>/cycle-<n>/setup-<checkout>.log`: a setup command's whole output, as text. */
  static setupLogRefFor(owner: TranscriptOwner): string {
    return ['transcripts', segment(owner.projectId), `cycle-${owner.cycle}`, `setup-${segment(owner.agentId)}.log`].join('/');
  }

  /** The file behind a ref; refs come from workflow history, so they are checked to stay in the state dir. */
  pathOf(ref: string): string {
    if (ref.trim() === '' || path.isAbsolute(ref) || ref.split(/[\\/]/).includes('..') || ref.includes('\0')) {
      throw new Error(`invalid transcript ref: ${JSON.stringify(ref)}`);
    }
    return path.join(this.stateDir, ref);
  }

  async append(ref: string, record: TranscriptRecord): Promise<void> {
    await this.appendAll(ref, [record]);
  }

  /**
   * Appends records in one write, so a turn's records land together or not at all (short of a crash).
   * Secret values of the worker's environment are redacted on the way to disk, whatever the record.
   */
  async appendAll(ref: string, records: TranscriptRecord[]): Promise<void> {
    if (records.length === 0) return;
    const file = this.pathOf(ref);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.appendFile(file, records.map((r) => `${JSON.stringify(redactDeep(r))}\n`).join(''), 'utf8');
  }

  async exists(ref: string): Promise<boolean> {
    try {
      await fs.access(this.pathOf(ref));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /**
   * Reads every record back. A malformed last line is reported as `truncatedTail` (an append cut short
   * by a crash); a malformed line anywhere else means the file is damaged and is an error.
   */
  async read(ref: string): Promise<TranscriptReadout> {
    const text = await fs.readFile(this.pathOf(ref), 'utf8');
    const lines = text.split('\n');
    const records: TranscriptRecord[] = [];
    let truncatedTail = false;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? '';
      if (line.trim() === '') continue;
      const isLast = lines.slice(i + 1).every((rest) => rest.trim() === '');
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (err) {
        if (isLast && !text.endsWith('\n')) {
          truncatedTail = true;
          break;
        }
        throw new Error(`transcript ${ref} line ${i + 1} is not JSON: ${(err as Error).message}`, { cause: err });
      }
      const record = TranscriptRecord.safeParse(parsed);
      if (!record.success) throw new Error(`transcript ${ref} line ${i + 1} is not a transcript record: ${z.prettifyError(record.error)}`);
      records.push(record.data);
    }
    return { records, truncatedTail };
  }
}
