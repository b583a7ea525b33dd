import type { ConversationItem, ModelClient, ToolCall, ToolResult } from '../models/modelClient';
import type { CommandSandboxing } from '../sandbox/sandboxes';
import { redactSecrets } from '../secrets/redactSecrets';
import { addUsage, totalTokens, zeroUsage, type Usage } from '../schemas/usage';
import type { TranscriptRecord, TranscriptStore } from '../state/transcriptStore';
import type { AgentRunContext } from './agentContracts';
import { replayLatestRun, type RecordedEnd } from './conversationReplay';
import type { TerminalTool } from './tools/terminalTools';
import { toToolSpec } from './tools/toolSets';
import { capHead, MAX_TOOL_OUTPUT_CHARS } from './tools/textLimits';
import { ToolError, type AgentTool, type ToolContext } from './tools/toolTypes';

export interface LoopLimits {
  /** Model calls per run, counting calls made by earlier attempts that this run resumes. */
  maxTurns: number;
  /** Input plus output tokens per run; unlimited when absent. */
  maxTokens?: number;
  /** Consecutive answers without a tool call that are met with a reminder before the run gives up. */
  maxProseReminders: number;
  maxOutputTokens?: number;
}

export interface AgentLoopRequest<T> {
  /**
   * What kind of run this is (`planner`, `worker`, `worker-conflict`, `judge`); a transcript may hold runs
   * of several kinds, and a resumed run continues the latest one of its own kind.
   */
  role: string;
  client: ModelClient;
  /** Model name without the provider prefix. */
  model: string;
  system: string;
  /**
   * The opening user message: the assignment. A function is only called when the run starts afresh,
   * so evidence that is costly to gather is not gathered again when a run resumes.
   */
  kickoff: string | (() => Promise<string>);
  promptVersion: string;
  tools: AgentTool[];
  terminal: TerminalTool<T>;
  /** The directory the tools are confined to. */
  dir: string;
  /** How `run_command` runs, for roles that have it. */
  sandboxing?: CommandSandboxing;
  limits: LoopLimits;
  transcripts: TranscriptStore;
  ctx: AgentRunContext;
}

export type LoopStop<T> =
  | { kind: 'terminal'; value: T }
  | { kind: 'turn_limit' }
  | { kind: 'token_limit' }
  /** The model kept answering in prose after every reminder; its last words are kept for the report. */
  | { kind: 'no_tool_call'; lastText: string };

export interface LoopOutcome<T> {
  stop: LoopStop<T>;
  usage: Usage;
  turns: number;
}

/** Turns left at which the model is told to wrap up. */
const WRAP_UP_TURNS = 2;

function reminderText(terminal: string, remaining: number): string {
  return (
    `You answered without calling a tool. This conversation only moves forward through tool calls: use the tools to ` +
    `continue the work, and call ${terminal} when you are finished. (${remaining} reminder(s) left before the run is ended.)`
  );
}

function isFilesystemError(err: unknown): err is NodeJS.ErrnoException {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

function parseArguments(call: ToolCall): unknown {
  if (call.argumentsJson.trim() === '') return {};
  try {
    return JSON.parse(call.argumentsJson);
  } catch (err) {
    throw new ToolError(
      `the arguments are not valid JSON (${(err as Error).message}); send a single JSON object matching the tool's schema`,
    );
  }
}

/**
 * Runs one agent: model turn, tools, results, until the role's terminal tool is accepted or a limit is
 * hit. Every turn is appended to the transcript and then reported as a checkpoint, so a retried attempt
 * resumes after the last finished turn instead of paying for it again.
 */
export async function runAgentLoop<T>(req: AgentLoopRequest<T>): Promise<LoopOutcome<T>> {
  const { ctx, transcripts, terminal, limits } = req;
  const ref = ctx.transcriptRef;
  const toolsByName = new Map(req.tools.map((t) => [t.name, t] as const));
  const specs = [...req.tools.map(toToolSpec), toToolSpec(terminal)];
  ctx.signal.throwIfAborted();

  const start = (resumedFromTurn?: number): TranscriptRecord => ({
    kind: 'start',
    at: new Date().toISOString(),
    role: req.role,
    model: req.model,
    promptVersion: req.promptVersion,
    system: req.system,
    tools: specs.map((s) => s.name),
    ...(resumedFromTurn !== undefined ? { resumedFromTurn } : {}),
  });

  const prepared = await prepareConversation(req, start);
  if (prepared.ended) {
    // The earlier attempt already finished this run; only its report was lost.
    return { stop: prepared.ended, usage: prepared.usage, turns: prepared.turn };
  }
  const conversation = prepared.conversation;
  let turn = prepared.turn;
  let usage = prepared.usage;

  let proseAnswers = 0;
  const finish = async (stop: LoopStop<T>): Promise<LoopOutcome<T>> => {
    await transcripts.append(ref, {
      kind: 'end',
      turn,
      usage,
      stop: stop.kind,
      ...(stop.kind === 'terminal' ? { result: stop.value } : {}),
      ...(stop.kind === 'no_tool_call' ? { result: stop.lastText } : {}),
    });
    return { stop, usage, turns: turn };
  };

  for (;;) {
    if (turn >= limits.maxTurns) return finish({ kind: 'turn_limit' });
    if (limits.maxTokens !== undefined && totalTokens(usage) >= limits.maxTokens) return finish({ kind: 'token_limit' });
    ctx.signal.throwIfAborted();

    const answer = await req.client.complete({
      model: req.model,
      system: req.system,
      tools: specs,
      conversation,
      ...(limits.maxOutputTokens !== undefined ? { maxOutputTokens: limits.maxOutputTokens } : {}),
      signal: ctx.signal,
    });
    turn++;
    usage = addUsage(usage, answer.usage);
    const hasText = answer.text !== undefined && answer.text.trim() !== '';
    const assistant: ConversationItem = {
      role: 'assistant',
      // An empty assistant message is refused by some providers when the conversation is sent back.
      ...(hasText ? { text: answer.text } : answer.toolCalls.length === 0 ? { text: '(empty answer)' } : {}),
      toolCalls: answer.toolCalls,
    };
    conversation.push(assistant);
    // Written at once: this turn is paid for, whatever happens next.
    await transcripts.appendAll(ref, [
      { kind: 'model_call', turn, usage: answer.usage, stopReason: answer.stopReason },
      { kind: 'item', turn, item: assistant },
    ]);

    let stop: LoopStop<T> | undefined;
    let next: ConversationItem;
    if (answer.toolCalls.length === 0) {
      proseAnswers++;
      if (proseAnswers > limits.maxProseReminders) {
        stop = { kind: 'no_tool_call', lastText: answer.text ?? '' };
        next = { role: 'user', text: 'No tool call after repeated reminders; the run is ended.' };
      } else {
        next = { role: 'user', text: reminderText(terminal.name, limits.maxProseReminders - proseAnswers) };
      }
    } else {
      proseAnswers = 0;
      const results: ToolResult[] = [];
      for (const call of answer.toolCalls) {
        if (stop) {
          results.push({ callId: call.id, name: call.name, content: `not run: ${terminal.name} already ended the run`, isError: true });
          continue;
        }
        ctx.signal.throwIfAborted();
        const result = await runToolCall(call, toolsByName, terminal, toolContext(req));
        if (result.accepted !== undefined) stop = { kind: 'terminal', value: result.accepted.value };
        results.push(result.result);
      }
      next = { role: 'tool_results', results: withBudgetNote(results, req, turn, usage, stop !== undefined) };
    }
    conversation.push(next);
    await transcripts.appendAll(ref, [
      { kind: 'item', turn, item: next },
      { kind: 'checkpoint', turn, usage },
    ]);
    ctx.heartbeat({ turn, transcriptRef: ref, usage });
    if (stop) return finish(stop);
  }
}

interface ToolCallOutcome<T> {
  result: ToolResult;
  accepted?: { value: T };
}

function toolContext<T>(req: AgentLoopRequest<T>): ToolContext {
  return { dir: req.dir, signal: req.ctx.signal, ...(req.sandboxing ? { sandboxing: req.sandboxing } : {}) };
}

async function runToolCall<T>(
  call: ToolCall,
  tools: Map<string, AgentTool>,
  terminal: TerminalTool<T>,
  toolCtx: ToolContext,
): Promise<ToolCallOutcome<T>> {
  const reply = (content: string, isError: boolean): ToolResult => ({
    callId: call.id,
    name: call.name,
    // Whatever a tool read or a command printed, the worker's secrets never reach the model.
    content: capHead(redactSecrets(content), MAX_TOOL_OUTPUT_CHARS),
    isError,
  });
  try {
    if (call.name === terminal.name) {
      const value = terminal.accept(parseArguments(call));
      return { result: reply('accepted; the run ends here', false), accepted: { value } };
    }
    const tool = tools.get(call.name);
    if (!tool) {
      const names = [...tools.keys(), terminal.name].join(', ');
      throw new ToolError(`there is no tool named "${call.name}"; the tools are: ${names}`);
    }
    return { result: reply(await tool.invoke(parseArguments(call), toolCtx), false) };
  } catch (err) {
    if (err instanceof ToolError) return { result: reply(`error: ${err.message}`, true) };
    // A file-system refusal (permissions, a file where a directory was expected…) is the model's to handle.
    if (isFilesystemError(err)) return { result: reply(`error: ${err.code}: ${err.message}`, true) };
    throw err;
  }
}

/** Tells the model, on the last result of the turn, when it is about to run out of turns or tokens. */
function withBudgetNote<T>(
  results: ToolResult[],
  req: AgentLoopRequest<T>,
  turn: number,
  usage: Usage,
  ending: boolean,
): ToolResult[] {
  if (ending || results.length === 0) return results;
  const turnsLeft = req.limits.maxTurns - turn;
  const tokensLeft = req.limits.maxTokens !== undefined ? req.limits.maxTokens - totalTokens(usage) : undefined;
  const lowOnTokens = tokensLeft !== undefined && req.limits.maxTokens !== undefined && tokensLeft < req.limits.maxTokens * 0.1;
  if (turnsLeft > WRAP_UP_TURNS && !lowOnTokens) return results;
  const note =
    `\n\n[Budget: ${turnsLeft} model turn(s)${lowOnTokens ? ` and about ${tokensLeft} tokens` : ''} left. ` +
    `Wrap up now and call ${req.terminal.name} with an honest account of where things stand.]`;
  const last = results[results.length - 1] as ToolResult;
  return [...results.slice(0, -1), { ...last, content: last.content + note }];
}


interface PreparedConversation<T> {
  conversation: ConversationItem[];
  turn: number;
  usage: Usage;
  ended?: LoopStop<T>;
}

/**
 * Which runs have already taken up a context's `resumeFrom`. One activity attempt may run several
 * agents on the same context (a task, then its conflict resolutions): each role resumes at most once
 * per attempt, and the checkpoint's usage is carried over at most once.
 */
const resumeClaims = new WeakMap<AgentRunContext, { roles: Set<string>; usageCarried: boolean }>();

function claimResume(ctx: AgentRunContext, role: string): { first: boolean; carryUsage: boolean } {
  const claims = resumeClaims.get(ctx) ?? { roles: new Set<string>(), usageCarried: false };
  resumeClaims.set(ctx, claims);
  const first = !claims.roles.has(role);
  claims.roles.add(role);
  const carryUsage = first && !claims.usageCarried;
  if (carryUsage) claims.usageCarried = true;
  return { first, carryUsage };
}

function recordedStop<T>(ended: RecordedEnd, terminal: TerminalTool<T>): LoopStop<T> | undefined {
  switch (ended.stop) {
    case 'terminal':
      return { kind: 'terminal', value: terminal.accept(ended.result) };
    case 'turn_limit':
    case 'token_limit':
      return { kind: ended.stop };
    case 'no_tool_call':
      return { kind: 'no_tool_call', lastText: typeof ended.result === 'string' ? ended.result : '' };
    default:
      return undefined;
  }
}

/**
 * The conversation to continue: rebuilt from the transcript when an earlier attempt of this run left
 * finished turns there (from its latest checkpoint, which the transcript records before the heartbeat
 * and which matches the working copy the tools left), otherwise a fresh one from the kickoff.
 */
async function prepareConversation<T>(
  req: AgentLoopRequest<T>,
  start: (resumedFromTurn?: number) => TranscriptRecord,
): Promise<PreparedConversation<T>> {
  const { ctx, transcripts } = req;
  const ref = ctx.transcriptRef;
  let usage: Usage = zeroUsage;
  const notes: TranscriptRecord[] = [];
  const from = ctx.resumeFrom;
  const claim = from ? claimResume(ctx, req.role) : undefined;
  if (from && claim?.first) {
    const replay = (await transcripts.exists(from.transcriptRef))
      ? replayLatestRun((await transcripts.read(from.transcriptRef)).records, req.role)
      : { available: false as const, reason: `transcript ${from.transcriptRef} is not on this machine` };
    if (replay.available) {
      const records: TranscriptRecord[] = [start(replay.turn)];
      if (from.transcriptRef !== ref) {
        // A new file must stand on its own: carry the replayed conversation over.
        records.push(...replay.conversation.map((item): TranscriptRecord => ({ kind: 'item', turn: 0, item })));
        records.push({ kind: 'checkpoint', turn: replay.turn, usage: replay.usage });
      }
      const ended = replay.ended ? recordedStop(replay.ended, req.terminal) : undefined;
      if (ended) {
        records.push({
          kind: 'end',
          turn: replay.turn,
          usage: replay.usage,
          stop: replay.ended?.stop ?? ended.kind,
          ...(replay.ended?.result !== undefined ? { result: replay.ended.result } : {}),
        });
      }
      await transcripts.appendAll(ref, records);
      return { conversation: replay.conversation, turn: replay.turn, usage: replay.usage, ...(ended ? { ended } : {}) };
    }
    // Without the transcript the turns are lost, but not their cost.
    if (claim.carryUsage) usage = from.usage;
    notes.push({ kind: 'note', turn: 0, text: `cannot resume from turn ${from.turn}: ${replay.reason}; starting over` });
  }
  const kickoff = typeof req.kickoff === 'string' ? req.kickoff : await req.kickoff();
  const conversation: ConversationItem[] = [{ role: 'user', text: kickoff }];
  await transcripts.appendAll(ref, [start(), ...notes, { kind: 'item', turn: 0, item: conversation[0] as ConversationItem }]);
  return { conversation, turn: 0, usage };
}
