import type { ToolCall, ToolResult } from '../models/modelClient';

export type StuckVerdict = { kind: 'ok' } | { kind: 'nudge'; pattern: string } | { kind: 'stalled'; pattern: string };

export interface StuckThresholds {
  /** Repeats of one call (or one error) in a row that earn a nudge, and that end the run. */
  nudgeAt: number;
  stallAt: number;
  /** Full A-B cycles of an alternating pair that earn a nudge, and that end the run. */
  pairNudgeAt: number;
  pairStallAt: number;
}

/** A nudge after four repeats, the end after eight: a looping model is stopped well within a dozen calls. */
export const defaultStuckThresholds: StuckThresholds = { nudgeAt: 4, stallAt: 8, pairNudgeAt: 3, pairStallAt: 5 };

interface Step {
  name: string;
  call: string;
  /** Set when the call failed: what it said, which is what repeats in an error loop. */
  error?: string;
}

const HISTORY = 24;

function canonicalArguments(argumentsJson: string): string {
  try {
    return JSON.stringify(sortKeys(JSON.parse(argumentsJson)));
  } catch {
    return argumentsJson.trim();
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value as Record<string, unknown>)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  );
}

function short(text: string, max = 160): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max)}…`;
}

/**
 * Watches the tool calls of one run for the loops long runs fall into (after OpenHands' stuck
 * detector): the same call with the same arguments again and again whatever it returns, the same
 * error again and again, or two calls alternating. The loop nudges at the first threshold and ends
 * the run `stalled` at the second, so the planner gets the task back instead of a spent budget.
 */
export class StuckDetector {
  private readonly steps: Step[] = [];

  constructor(private readonly thresholds: StuckThresholds = defaultStuckThresholds) {}

  observe(call: ToolCall, result: Pick<ToolResult, 'content' | 'isError'>): StuckVerdict {
    const step: Step = {
      name: call.name,
      call: `${call.name}\u0000${canonicalArguments(call.argumentsJson)}`,
      ...(result.isError ? { error: result.content } : {}),
    };
    this.steps.push(step);
    if (this.steps.length > HISTORY) this.steps.shift();
    const t = this.thresholds;

    const sameCall = this.trailing((s) => s.call === step.call);
    const argsShown = short(call.argumentsJson, 120);
    const callPattern = `the same call ${call.name} ${argsShown} ${sameCall} times in a row`;
    if (sameCall >= t.stallAt) return { kind: 'stalled', pattern: callPattern };

    const sameError = step.error === undefined ? 0 : this.trailing((s) => s.error === step.error);
    const errorPattern = `the same error ${sameError} times in a row: "${short(step.error ?? '')}"`;
    if (sameError >= t.stallAt) return { kind: 'stalled', pattern: errorPattern };

    const alternating = this.alternatingLength();
    const cycles = Math.floor(alternating / 2);
    const previous = this.steps[this.steps.length - 2];
    const pairPattern = `alternating between ${previous?.name ?? ''} and ${call.name} with the same arguments ${cycles} times`;
    if (cycles >= t.pairStallAt) return { kind: 'stalled', pattern: pairPattern };

    if (sameCall === t.nudgeAt) return { kind: 'nudge', pattern: callPattern };
    if (sameError === t.nudgeAt) return { kind: 'nudge', pattern: errorPattern };
    // Once, on the call that completes the cycle.
    if (alternating === 2 * t.pairNudgeAt) return { kind: 'nudge', pattern: pairPattern };
    return { kind: 'ok' };
  }

  private trailing(same: (s: Step) => boolean): number {
    let n = 0;
    for (let i = this.steps.length - 1; i >= 0 && same(this.steps[i] as Step); i--) n++;
    return n;
  }

  /** How many calls at the end of the history alternate between two different calls A and B. */
  private alternatingLength(): number {
    const s = this.steps;
    const n = s.length;
    if (n < 4) return 0;
    const a = s[n - 2]?.call;
    const b = s[n - 1]?.call;
    if (a === b) return 0;
    let length = 0;
    for (let i = n - 1; i >= 0; i--) {
      if (s[i]?.call !== ((n - 1 - i) % 2 === 0 ? b : a)) break;
      length++;
    }
    return length;
  }
}
