import { ApplicationFailure } from '@temporalio/common';
import type { ConversationItem, ModelClient, ModelTurn, ToolCall, ToolResult } from '../models/modelClient';
import { fallbackModelProfile, type ModelProfile } from '../models/modelProfiles';
import type { ReasoningEffort } from '../schemas/reasoning';
import type { CommandSandboxing } from '../sandbox/sandboxes';
import { redactSecrets } from '../secrets/redactSecrets';
import { addUsage, totalTokens, zeroUsage, type Usage } from '../schemas/usage';
import type { TranscriptRecord, TranscriptStore } from '../state/transcriptStore';
import type { AgentRunContext } from './agentContracts';
import { compactConversation } from './compaction';
import { ContextMeter } from './contextMeter';
import { billedUsage, replayLatestRun, type RecordedEnd } from './conversationReplay';
import { PromptLibrary } from './promptTemplate';
import { RunFacts } from './runFacts';
import { StuckDetector } from './stuckDetector';
import { budgetState, type TaskBudget } from './taskBudget';
import type { TerminalTool } from './tools/terminalTools';
import { toToolSpec } from './tools/toolSets';
import { headAndTail, NARROW_DOWN_HINT } from './tools/toolOutput';
import { ToolError, type AgentTool, type ToolContext } from './tools/toolTypes';

export interface LoopLimits {
  /** Model calls per run, counting calls made by earlier attempts that this run resumes. */
  maxTurns: number;
  /** Input plus output tokens per run; unlimited when absent. */
  maxTokens?: number;
  /** Consecutive answers without a tool call that are met with a reminder before the run gives up. */
  maxProseReminders: number;
  /** Overrides the model profile's output limit. */
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
  /** The model's context window and output limit; a conservative fallback when absent. */
  profile?: ModelProfile;
  reasoningEffort?: ReasoningEffort;
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
  /** Per-task caps with a warning and a wrap-up turn (workers); none when absent. */
  budget?: TaskBudget;
  /**
   * Looks at an accepted terminal call once: a message sends it back to the model with that reason
   * (the run goes on), undefined lets it end the run. A second terminal call is always accepted.
   */
  reviewFinish?: (value: T, facts: RunFacts) => Promise<string | undefined>;
  transcripts: TranscriptStore;
  /** For the compaction prompt; the package's prompts when absent. */
  prompts?: PromptLibrary;
  ctx: AgentRunContext;
}

export type LoopStop<T> =
  | { kind: 'terminal'; value: T }
  | { kind: 'turn_limit' }
  | { kind: 'token_limit' }
  /** The model kept answering in prose after every reminder; its last words are kept for the report. */
  | { kind: 'no_tool_call'; lastText: string }
  /** The model repeated itself past the nudge; `pattern` says how. */
  | { kind: 'stalled'; pattern: string }
  /** A per-task cap was reached; `wrapUp` is what the model reported in its wrap-up turn, if it did. */
  | { kind: 'task_limit'; cap: string; wrapUp?: T }
  /** The provider kept refusing the conversation as too long, even compacted. */
  | { kind: 'context_exhausted' };

export interface LoopOutcome<T> {
  stop: LoopStop<T>;
  usage: Usage;
  turns: number;
}

/** Turns left at which the model is told to wrap up. */
const WRAP_UP_TURNS = 2;
/** Refusals as too long in a row, each followed by a harder compaction, before the run gives up. */
const MAX_CONTEXT_REFUSALS = 3;
/** Share of the prompt budget the latest turns keep through a compaction, and after a refusal. */
const KEEP_SHARE = 0.3;
const KEEP_SHARE_AFTER_REFUSAL = 0.1;

function reminderText(terminal: string, remaining: number): string {
  return (
    `You answered without calling a tool. This conversation only moves forward through tool calls: use the tools to ` +
    `continue the work, and call ${terminal} when you are finished. (${remaining} reminder(s) left before the run is ended.)`
  );
}

function cutOffText(maxOutputTokens: number): string {
  return (
    `not run: your reply was cut off at the output limit (${maxOutputTokens} tokens), so this call's arguments are incomplete. ` +
    'Write in smaller pieces: create a large file in parts (write_file with the first part, then edit_file to add the rest), ' +
    'and keep each call well under the limit.'
  );
}

function cutOffProseText(maxOutputTokens: number): string {
  return (
    `Your reply was cut off at the output limit (${maxOutputTokens} tokens) before it was complete. Continue in smaller ` +
    'pieces, through tool calls.'
  );
}

function wrapUpText(cap: string, terminal: string): string {
  return (
    `[The task's cap ${cap} is reached. This is your last turn: do not start anything new. Call ${terminal} now with an ` +
    'honest account: what is done and verified, what is not, and what the next person should do. Other tool calls are not run.]'
  );
}

function isFilesystemError(err: unknown): err is NodeJS.ErrnoException {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

function isContextTooLong(err: unknown): boolean {
  return err instanceof ApplicationFailure && err.type === 'ModelContextTooLong';
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

/** Appends a note to the last result of a turn, where the model reads it before its next move. */
function withNote(results: ToolResult[], note: string): ToolResult[] {
  if (results.length === 0) return results;
  const last = results[results.length - 1] as ToolResult;
  return [...results.slice(0, -1), { ...last, content: `${last.content}\n\n${note}` }];
}

/**
 * Runs one agent: model turn, tools, results, until the role's terminal tool is accepted or a limit is
 * hit. Every turn is appended to the transcript and then reported as a checkpoint, so a retried attempt
 * resumes after the last finished turn instead of paying for it again. Along the way it keeps the
 * conversation within the model's window (compaction), stops loops (stuck detection), enforces the
 * per-task budget with a wrap-up turn, and hands a reply cut at the output limit back as such.
 */
export async function runAgentLoop<T>(req: AgentLoopRequest<T>): Promise<LoopOutcome<T>> {
  const { ctx, transcripts, terminal, limits } = req;
  const ref = ctx.transcriptRef;
  const toolsByName = new Map(req.tools.map((t) => [t.name, t] as const));
  const specs = [...req.tools.map(toToolSpec), toToolSpec(terminal)];
  const profile = req.profile ?? fallbackModelProfile;
  const maxOutputTokens = limits.maxOutputTokens ?? profile.maxOutputTokens;
  const meter = ContextMeter.of({ ...profile, maxOutputTokens }, req.system, specs);
  const prompts = req.prompts ?? new PromptLibrary();
  // Outages are waited out inside the call, so they cost neither turns already done nor attempts.
  const client = ctx.outage ? ctx.outage.wrap(req.client) : req.client;
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
  let conversation = prepared.conversation;
  let turn = prepared.turn;
  let usage = prepared.usage;
  const attemptStarted = Date.now();
  // Time spent waiting out an outage is not working time: the per-task time cap does not count it.
  const waitedAtStart = ctx.outage?.waitedMs ?? 0;
  const elapsedMs = (): number => prepared.elapsedMs + (Date.now() - attemptStarted) - ((ctx.outage?.waitedMs ?? 0) - waitedAtStart);
  const facts = prepared.facts;
  const stuck = new StuckDetector();

  let proseAnswers = 0;
  let contextRefusals = 0;
  let finishReviewed = false;
  let wrapUpCap: string | undefined;
  const finish = async (stop: LoopStop<T>): Promise<LoopOutcome<T>> => {
    const result =
      stop.kind === 'terminal'
        ? stop.value
        : stop.kind === 'no_tool_call'
          ? stop.lastText
          : stop.kind === 'stalled'
            ? stop.pattern
            : stop.kind === 'task_limit'
              ? { cap: stop.cap, ...(stop.wrapUp !== undefined ? { wrapUp: stop.wrapUp } : {}) }
              : undefined;
    await transcripts.append(ref, { kind: 'end', turn, usage, stop: stop.kind, ...(result !== undefined ? { result } : {}) });
    return { stop, usage, turns: turn };
  };

  const compact = async (reason: string, keepShare: number): Promise<void> => {
    const compacted = await compactConversation({
      client,
      model: req.model,
      conversation,
      promptBudget: meter.promptBudget,
      keepShare,
      facts,
      dir: req.dir,
      summaryPrompt: (history) => prompts.render<'history'>('compaction', { history }),
      signal: ctx.signal,
    });
    conversation = compacted.conversation;
    usage = addUsage(usage, compacted.usage);
    meter.reset();
    // Recorded under the last finished turn, so a resumed attempt rebuilds the compacted conversation.
    await transcripts.appendAll(ref, [
      {
        kind: 'compaction',
        turn,
        reason,
        summarisedItems: compacted.summarisedItems,
        usage: compacted.usage,
        conversation,
      },
      { kind: 'checkpoint', turn, usage, elapsedMs: elapsedMs() },
    ]);
  };

  for (;;) {
    if (turn >= limits.maxTurns) return finish({ kind: 'turn_limit' });
    if (limits.maxTokens !== undefined && totalTokens(usage) >= limits.maxTokens) return finish({ kind: 'token_limit' });
    if (req.budget && wrapUpCap === undefined) {
      const state = budgetState(req.budget, usage, elapsedMs());
      if (state.kind === 'spent') {
        wrapUpCap = state.cap;
        const wrapUp: ConversationItem = { role: 'user', text: wrapUpText(state.cap, terminal.name) };
        conversation.push(wrapUp);
        await transcripts.append(ref, { kind: 'item', turn, item: wrapUp });
      }
    }
    if (meter.needsCompaction(conversation)) {
      await compact(
        `the conversation was about to fill the context window (${meter.estimate(conversation)} of ${meter.promptBudget} tokens)`,
        KEEP_SHARE,
      );
    }
    ctx.signal.throwIfAborted();

    let answer: ModelTurn;
    try {
      answer = await client.complete({
        model: req.model,
        system: req.system,
        tools: specs,
        conversation,
        maxOutputTokens,
        ...(req.reasoningEffort !== undefined ? { reasoningEffort: req.reasoningEffort } : {}),
        signal: ctx.signal,
      });
    } catch (err) {
      if (!isContextTooLong(err)) throw err;
      // Never a permanent failure: the conversation is compacted harder and the call retried.
      contextRefusals++;
      await transcripts.append(ref, {
        kind: 'note',
        turn,
        text: `the provider refused the request as too long: ${(err as Error).message}`,
      });
      if (contextRefusals > MAX_CONTEXT_REFUSALS) return finish({ kind: 'context_exhausted' });
      meter.refused(conversation);
      await compact('the provider refused the request as too long', KEEP_SHARE_AFTER_REFUSAL);
      continue;
    }
    contextRefusals = 0;
    turn++;
    usage = addUsage(usage, answer.usage);
    const hasText = answer.text !== undefined && answer.text.trim() !== '';
    const assistant: ConversationItem = {
      role: 'assistant',
      // An empty assistant message is refused by some providers when the conversation is sent back.
      ...(hasText ? { text: answer.text } : answer.toolCalls.length === 0 ? { text: '(empty answer)' } : {}),
      toolCalls: answer.toolCalls,
      ...(answer.thinking ? { thinking: answer.thinking } : {}),
    };
    conversation.push(assistant);
    meter.measure(answer.usage, conversation.length);
    // Written at once: this turn is paid for, whatever happens next.
    await transcripts.appendAll(ref, [
      { kind: 'model_call', turn, usage: answer.usage, stopReason: answer.stopReason },
      { kind: 'item', turn, item: assistant },
    ]);

    let stop: LoopStop<T> | undefined;
    let next: ConversationItem;
    if (answer.toolCalls.length === 0) {
      proseAnswers++;
      if (wrapUpCap !== undefined) {
        stop = { kind: 'task_limit', cap: wrapUpCap };
        next = { role: 'user', text: 'The run is ended at the cap.' };
      } else if (answer.cutOff) {
        next = { role: 'user', text: cutOffProseText(maxOutputTokens) };
      } else if (proseAnswers > limits.maxProseReminders) {
        stop = { kind: 'no_tool_call', lastText: answer.text ?? '' };
        next = { role: 'user', text: 'No tool call after repeated reminders; the run is ended.' };
      } else {
        next = { role: 'user', text: reminderText(terminal.name, limits.maxProseReminders - proseAnswers) };
      }
    } else {
      proseAnswers = 0;
      let results: ToolResult[] = [];
      let nudge: string | undefined;
      for (const call of answer.toolCalls) {
        if (stop) {
          results.push({ callId: call.id, name: call.name, content: `not run: ${terminal.name} already ended the run`, isError: true });
          continue;
        }
        ctx.signal.throwIfAborted();
        let result: ToolResult;
        if (answer.cutOff) {
          result = { callId: call.id, name: call.name, content: cutOffText(maxOutputTokens), isError: true };
        } else if (wrapUpCap !== undefined && call.name !== terminal.name) {
          result = {
            callId: call.id,
            name: call.name,
            content: `not run: the cap ${wrapUpCap} is reached; call ${terminal.name}`,
            isError: true,
          };
        } else {
          const outcome = await runToolCall(call, toolsByName, terminal, toolContext(req));
          result = outcome.result;
          if (outcome.accepted !== undefined) {
            const value = outcome.accepted.value;
            const sentBack =
              wrapUpCap === undefined && !finishReviewed && req.reviewFinish ? await req.reviewFinish(value, facts) : undefined;
            if (req.reviewFinish) finishReviewed = true;
            if (sentBack !== undefined) {
              result = { ...result, content: `not accepted yet: ${sentBack}`, isError: true };
            } else {
              stop = wrapUpCap !== undefined ? { kind: 'task_limit', cap: wrapUpCap, wrapUp: value } : { kind: 'terminal', value };
            }
          }
        }
        facts.record(call, result);
        results.push(result);
        if (stop) continue;
        const verdict = stuck.observe(call, result);
        if (verdict.kind === 'stalled') stop = { kind: 'stalled', pattern: verdict.pattern };
        else if (verdict.kind === 'nudge') nudge = verdict.pattern;
      }
      if (stop?.kind === 'stalled') {
        results = withNote(results, `[Stopped: ${stop.pattern}. The run is ended as stalled and the task goes back to its planner.]`);
      } else if (nudge !== undefined && !stop) {
        results = withNote(
          results,
          `[Loop check: ${nudge}. Repeating it will not give a different result. Step back: re-read what the results say, ` +
            `try a different approach, or if you cannot make progress call ${terminal.name} and explain what blocks you. ` +
            'If this goes on, the run is ended as stalled.]',
        );
      }
      next = {
        role: 'tool_results',
        results: stop || wrapUpCap !== undefined ? results : withBudgetNote(results, req, turn, usage, elapsedMs()),
      };
    }
    if (!stop && wrapUpCap !== undefined) stop = { kind: 'task_limit', cap: wrapUpCap };
    conversation.push(next);
    await transcripts.appendAll(ref, [
      { kind: 'item', turn, item: next },
      { kind: 'checkpoint', turn, usage, elapsedMs: elapsedMs() },
    ]);
    ctx.heartbeat({ turn, transcriptRef: ref, usage, elapsedMs: elapsedMs() });
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
    content: headAndTail(redactSecrets(content), NARROW_DOWN_HINT),
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

/** Tells the model, on the last result of the turn, when it is about to run out of turns, tokens or its task budget. */
function withBudgetNote<T>(results: ToolResult[], req: AgentLoopRequest<T>, turn: number, usage: Usage, elapsedMs: number): ToolResult[] {
  const turnsLeft = req.limits.maxTurns - turn;
  const tokensLeft = req.limits.maxTokens !== undefined ? req.limits.maxTokens - totalTokens(usage) : undefined;
  const lowOnTokens = tokensLeft !== undefined && req.limits.maxTokens !== undefined && tokensLeft < req.limits.maxTokens * 0.1;
  const budget = req.budget ? budgetState(req.budget, usage, elapsedMs) : undefined;
  const lowOnBudget = budget?.kind === 'low' ? budget.left : undefined;
  if (turnsLeft > WRAP_UP_TURNS && !lowOnTokens && lowOnBudget === undefined) return results;
  const left = [
    `${turnsLeft} model turn(s)`,
    ...(lowOnTokens ? [`about ${tokensLeft} tokens`] : []),
    ...(lowOnBudget !== undefined ? [`${lowOnBudget} of this task's budget`] : []),
  ];
  return withNote(
    results,
    `[Budget: ${left.join(', ')} left. Wrap up now: finish what is in progress, verify it, and call ${req.terminal.name} with an honest account of where things stand.]`,
  );
}

interface PreparedConversation<T> {
  conversation: ConversationItem[];
  turn: number;
  usage: Usage;
  /** Working time of the earlier attempts this run continues. */
  elapsedMs: number;
  facts: RunFacts;
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
    case 'context_exhausted':
      return { kind: ended.stop };
    case 'no_tool_call':
      return { kind: 'no_tool_call', lastText: typeof ended.result === 'string' ? ended.result : '' };
    case 'stalled':
      return { kind: 'stalled', pattern: typeof ended.result === 'string' ? ended.result : 'a repeated pattern' };
    case 'task_limit': {
      const recorded = (ended.result ?? {}) as { cap?: unknown; wrapUp?: unknown };
      const cap = typeof recorded.cap === 'string' ? recorded.cap : 'a per-task cap';
      return recorded.wrapUp !== undefined
        ? { kind: 'task_limit', cap, wrapUp: terminal.accept(recorded.wrapUp) }
        : { kind: 'task_limit', cap };
    }
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
  const claim = claimResume(ctx, req.role);
  const readRecords = async (at: string): Promise<TranscriptRecord[] | undefined> =>
    (await transcripts.exists(at)) ? (await transcripts.read(at)).records : undefined;
  const stored = claim.first ? await readRecords(ref) : undefined;
  // The calls earlier attempts of this run were billed for, whether or not a checkpoint closed them.
  if (stored) usage = billedUsage(stored, req.role);
  // Without the transcript the turns are lost, but not their cost.
  else if (from && claim.carryUsage) usage = from.usage;
  if (from && claim.first) {
    const fromRecords = from.transcriptRef === ref ? stored : await readRecords(from.transcriptRef);
    const replay = fromRecords
      ? replayLatestRun(fromRecords, req.role)
      : { available: false as const, reason: `transcript ${from.transcriptRef} is not on this machine` };
    if (replay.available) {
      // A conversation carried over from another file brings the usage its checkpoint recorded.
      if (from.transcriptRef !== ref) usage = replay.usage;
      const records: TranscriptRecord[] = [start(replay.turn)];
      if (from.transcriptRef !== ref) {
        // A new file must stand on its own: carry the replayed conversation over.
        records.push(...replay.conversation.map((item): TranscriptRecord => ({ kind: 'item', turn: 0, item })));
        records.push({ kind: 'checkpoint', turn: replay.turn, usage, elapsedMs: replay.elapsedMs });
      }
      const ended = replay.ended ? recordedStop(replay.ended, req.terminal) : undefined;
      if (ended) {
        records.push({
          kind: 'end',
          turn: replay.turn,
          usage,
          stop: replay.ended?.stop ?? ended.kind,
          ...(replay.ended?.result !== undefined ? { result: replay.ended.result } : {}),
        });
      }
      await transcripts.appendAll(ref, records);
      return {
        conversation: replay.conversation,
        turn: replay.turn,
        usage,
        elapsedMs: replay.elapsedMs,
        facts: RunFacts.fromConversation(replay.history),
        ...(ended ? { ended } : {}),
      };
    }
    notes.push({ kind: 'note', turn: 0, text: `cannot resume from turn ${from.turn}: ${replay.reason}; starting over` });
  }
  const kickoff = typeof req.kickoff === 'string' ? req.kickoff : await req.kickoff();
  const conversation: ConversationItem[] = [{ role: 'user', text: kickoff }];
  await transcripts.appendAll(ref, [start(), ...notes, { kind: 'item', turn: 0, item: conversation[0] as ConversationItem }]);
  return { conversation, turn: 0, usage, elapsedMs: from?.elapsedMs ?? 0, facts: new RunFacts() };
}
