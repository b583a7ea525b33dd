import { clip } from '../schemas/task';
import type { VerdictProposal } from '../schemas/verdict';
import type { AgentResult, AgentRunContext, JudgeAgent, JudgeAgentRequest } from './agentContracts';
import type { AgentDependencies } from './agentDependencies';
import { runAgentLoop, type LoopLimits } from './agentLoop';
import { describeUnfinished, toAgentResult } from './agentResult';
import { modelSettingsFor } from './modelSettings';
import { gatherJudgeEvidence, type JudgeEvidence } from './judgeEvidence';
import { bulletList, formatSteering, oneLine } from './promptInputs';
import { PromptLibrary } from './promptTemplate';
import { createSandboxes } from '../sandbox/createSandboxes';
import type { Sandboxes } from '../sandbox/sandboxes';
import { submitVerdictTool } from './tools/terminalTools';
import { readOnlyTools } from './tools/toolSets';

export const defaultJudgeLimits: LoopLimits = { maxTurns: 50, maxProseReminders: 3 };
export const defaultJudgeTestTimeoutMs = 30 * 60_000;

export interface JudgeAgentOptions extends AgentDependencies {
  /** Time limit for the test command the judge runs before reviewing. */
  testTimeoutMs?: number;
}

type JudgeVars =
  | 'cycle'
  | 'goal'
  | 'steering'
  | 'head_commit'
  | 'base_commit'
  | 'test_result'
  | 'diff_stat'
  | 'commit_log'
  | 'task_summaries';

function judgeVars(req: JudgeAgentRequest, evidence: JudgeEvidence): Record<JudgeVars, string> {
  return {
    cycle: String(req.cycle),
    goal: clip(req.goal, 20_000),
    steering: formatSteering(req.steering),
    head_commit: req.headCommit,
    base_commit: req.baseCommit,
    test_result: evidence.testResult,
    diff_stat: evidence.diffStat,
    commit_log: evidence.commitLog,
    task_summaries: bulletList(
      req.taskSummaries.map((t) => `[${t.status}] ${oneLine(t.title, 200)} — claimed: ${oneLine(t.summary, 800)}`),
      '(no task reported anything)',
      80,
    ),
  };
}

/**
 * Ends a cycle with a verdict. It gathers its own evidence first — the test command's result and what
 * changed since the cycle's base — and then reviews the repository read-only; the workers' summaries are
 * passed on as claims to check, never as facts.
 */
export class ModelJudgeAgent implements JudgeAgent {
  private readonly prompts: PromptLibrary;
  private readonly sandboxes: Sandboxes;

  constructor(private readonly options: JudgeAgentOptions) {
    this.prompts = options.prompts ?? new PromptLibrary();
    this.sandboxes = options.sandboxes ?? createSandboxes();
  }

  async judge(req: JudgeAgentRequest, ctx: AgentRunContext): Promise<AgentResult<VerdictProposal>> {
    const template = this.prompts.load('judge');
    const outcome = await runAgentLoop({
      role: 'judge',
      ...modelSettingsFor(this.options, 'judge', req.model, req.reasoningEffort),
      // The system part has no placeholders; the evidence only goes into the opening message.
      system: template.system,
      kickoff: async () => {
        const evidence = await gatherJudgeEvidence({
          dir: req.dir,
          baseCommit: req.baseCommit,
          headCommit: req.headCommit,
          ...(req.testCommand !== undefined ? { testCommand: req.testCommand } : {}),
          testTimeoutMs: this.options.testTimeoutMs ?? defaultJudgeTestTimeoutMs,
          sandboxing: this.sandboxes.for('commands', req.sandbox),
          signal: ctx.signal,
        });
        return this.prompts.render<JudgeVars>('judge', judgeVars(req, evidence)).kickoff;
      },
      promptVersion: template.version,
      tools: readOnlyTools(),
      terminal: submitVerdictTool,
      dir: req.dir,
      limits: { ...defaultJudgeLimits, ...this.options.limits },
      transcripts: this.options.transcripts,
      prompts: this.prompts,
      ctx,
    });
    return toAgentResult(outcome, template.version, (stop) => ({
      // Not a verdict the judge reached: the safe answer is to go on, within the project's limits.
      verdict: 'continue' as const,
      reasons: clip(`No verdict was reached. ${describeUnfinished(stop, outcome.turns, 'submitting a verdict')}`, 4_000),
      next_focus: 'The previous review did not finish; re-check the goal against the repository and the tests.',
    }));
  }
}
