import type { AgentResult } from './agentContracts';
import type { LoopOutcome, LoopStop } from './agentLoop';

export type UnfinishedStop = Exclude<LoopStop<unknown>, { kind: 'terminal' }>;

/** Why a run ended without its terminal tool, in words for a summary. */
export function describeUnfinished(stop: UnfinishedStop, turns: number, what: string): string {
  switch (stop.kind) {
    case 'turn_limit':
      return `Stopped at the turn limit (${turns} model turns) before ${what}.`;
    case 'token_limit':
      return `Stopped at the token limit before ${what}.`;
    case 'no_tool_call': {
      const last = stop.lastText.trim().replace(/\s+/g, ' ');
      const quoted = last === '' ? '' : ` Its last message: "${last.length > 1_500 ? `${last.slice(0, 1_500)}…` : last}"`;
      return `The model kept answering without calling a tool, even after reminders, and never got to ${what}.${quoted}`;
    }
    case 'stalled':
      return `Stalled before ${what}: the model kept repeating itself (${stop.pattern}) after being told so, and was stopped.`;
    case 'task_limit':
      return `Stopped at the task's cap ${stop.cap} before ${what}.`;
    case 'context_exhausted':
      return `Stopped before ${what}: the provider kept refusing the conversation as too long for the model's context window, even compacted.`;
  }
}

/** An AgentResult from a loop outcome, using `fallback` for the runs that never reached the terminal tool. */
export function toAgentResult<T>(outcome: LoopOutcome<T>, promptVersion: string, fallback: (stop: UnfinishedStop) => T): AgentResult<T> {
  const { stop, usage } = outcome;
  if (stop.kind === 'terminal') return { result: stop.value, usage, promptVersion };
  // A capped run keeps what the model reported in its wrap-up turn, with the cap named first.
  if (stop.kind === 'task_limit' && stop.wrapUp !== undefined) {
    return { result: stop.wrapUp, usage, promptVersion, stoppedBy: 'task_limit', stopDetail: stop.cap };
  }
  const result: AgentResult<T> = { result: fallback(stop), usage, promptVersion };
  if (stop.kind !== 'no_tool_call') result.stoppedBy = stop.kind;
  if (stop.kind === 'stalled') result.stopDetail = stop.pattern;
  if (stop.kind === 'task_limit') result.stopDetail = stop.cap;
  return result;
}
