import type { EarlierVerdict } from '../schemas/cycle';
import { clip } from '../schemas/task';
import type { AgentRunContext, JudgeAgent, JudgeAgentRequest, JudgeAgentResult } from './agentContracts';
import type { AgentDependencies } from './agentDependencies';
import { runAgentLoop, type LoopLimits } from './agentLoop';
import { describeUnfinished, toAgentResult } from './agentResult';
import { modelSettingsFor } from './modelSettings';
import { gatherJudgeEvidence, type JudgeEvidence } from './judgeEvidence';
import { loadEvidenceRecord, saveEvidenceRecord, type JudgeEvidenceRecord } from './judgeEvidenceRecord';
import { bulletList, formatOutsideClaims, formatSteering, oneLine } from './promptInputs';
import { PromptLibrary } from './promptTemplate';
import { createSandboxes } from '../sandbox/createSandboxes';
import type { Sandboxes } from '../sandbox/sandboxes';
import { overruledDonePrefix, submitVerdictTool } from './tools/terminalTools';
import { judgeTools } from './tools/toolSets';

export const defaultJudgeLimits: LoopLimits = { maxTurns: 50, maxProseReminders: 3 };
export const defaultJudgeTestTimeoutMs = 30 * 60_000;
/**
 * A head test run up to this long is repeated at the base when no counts were carried over: that
 * doubles at most five minutes of a review that runs the tests anyway, once per cycle.
 */
const maxBaseTestRunMs = 5 * 60_000;
export const defaultDiffBudgetChars = 40_000;

export interface JudgeAgentOptions extends AgentDependencies {
  /** Time limit for the test command the judge runs before reviewing. */
  testTimeoutMs?: number;
  /** Characters of the diff itself in the judge's opening message. */
  diffBudgetChars?: number;
}

type JudgeVars =
  | 'cycle'
  | 'goal'
  | 'steering'
  | 'head_commit'
  | 'base_commit'
  | 'test_result'
  | 'tamper_checks'
  | 'diff_stat'
  | 'change_excerpt'
  | 'commit_log'
  | 'earlier_verdicts'
  | 'planner_report'
  | 'task_summaries';

function formatVerdict(v: EarlierVerdict): string {
  const focus = v.nextFocus ? ` Next focus: ${oneLine(v.nextFocus, 1_000)}` : '';
  return `Cycle ${v.cycle}: ${v.verdict} — ${oneLine(v.reasons, 1_500)}${focus}`;
}

function judgeVars(req: JudgeAgentRequest, evidence: JudgeEvidence): Record<JudgeVars, string> {
  return {
    cycle: String(req.cycle),
    goal: clip(req.goal, 20_000),
    steering: formatSteering(req.steering),
    head_commit: req.headCommit,
    base_commit: req.baseCommit,
    test_result: evidence.testResult,
    tamper_checks: evidence.tamperChecks,
    diff_stat: evidence.diffStat,
    change_excerpt: evidence.changeExcerpt,
    commit_log: evidence.commitLog,
    earlier_verdicts: bulletList(req.earlierVerdicts.map(formatVerdict), '(none: this is the first cycle judged)', 10),
    planner_report: `${req.plannerReport.tasksDone} tasks reported done, ${req.plannerReport.tasksFailed} failed. ${oneLine(req.plannerReport.summary, 4_000)}`,
    task_summaries: bulletList(
      req.tasks.map(
        (t) =>
          `[${t.status}] ${oneLine(t.title, 200)} (${t.taskId}${t.commit ? `, commit ${t.commit.slice(0, 12)}` : ''}) — claimed: ${oneLine(t.summary, 500)}${formatOutsideClaims(t.outsideClaims)}`,
      ),
      '(no task reported anything)',
      150,
    ),
  };
}

/**
 * Ends a cycle with a verdict. It gathers its own evidence first — the test command's result, the
 * change itself, signs of test tampering — and then reviews the repository read-only (its commands
 * too, in a sandbox that mounts the view read-only); the workers' summaries are passed on as claims
 * to check, never as facts. `done` is held back in code while the tests fail.
 */
export class ModelJudgeAgent implements JudgeAgent {
  private readonly prompts: PromptLibrary;
  private readonly sandboxes: Sandboxes;

  constructor(private readonly options: JudgeAgentOptions) {
    this.prompts = options.prompts ?? new PromptLibrary();
    this.sandboxes = options.sandboxes ?? createSandboxes();
  }

  async judge(req: JudgeAgentRequest, ctx: AgentRunContext): Promise<JudgeAgentResult> {
    const { transcripts } = this.options;
    const template = this.prompts.load('judge');
    // A resumed review does not gather evidence again; what the first attempt found is on disk.
    let record: JudgeEvidenceRecord | undefined = await loadEvidenceRecord(transcripts, ctx.resumeFrom?.transcriptRef ?? ctx.transcriptRef);
    // Checks of its own only where they cannot change the view others read (none when commands run unconfined).
    const commands = this.sandboxes.readOnly(req.sandbox);
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
          ...(req.baseTestCounts ? { baseTestCounts: req.baseTestCounts } : {}),
          ...(req.openBaseCheckout ? { openBaseCheckout: req.openBaseCheckout } : {}),
          maxBaseRunMs: maxBaseTestRunMs,
          diffBudgetChars: this.options.diffBudgetChars ?? defaultDiffBudgetChars,
        });
        record = evidence.record;
        await saveEvidenceRecord(transcripts, ctx.transcriptRef, record);
        return this.prompts.render<JudgeVars>('judge', judgeVars(req, evidence)).kickoff;
      },
      promptVersion: template.version,
      tools: judgeTools(commands !== undefined),
      ...(commands ? { sandboxing: commands } : {}),
      terminal: submitVerdictTool({ doneRefusal: () => record?.testFailure }),
      dir: req.dir,
      limits: { ...defaultJudgeLimits, ...this.options.limits },
      transcripts: this.options.transcripts,
      prompts: this.prompts,
      ctx,
    });
    const result = toAgentResult(outcome, template.version, (stop) => ({
      // Not a verdict the judge reached: the safe answer is to go on, within the project's limits.
      verdict: 'continue' as const,
      reasons: clip(`No verdict was reached. ${describeUnfinished(stop, outcome.turns, 'submitting a verdict')}`, 4_000),
      next_focus: 'The previous review did not finish; re-check the goal against the repository and the tests.',
    }));
    if (!record) return result;
    return {
      ...result,
      evidence: {
        ...(record.testsPassed !== undefined ? { testsPassed: record.testsPassed } : {}),
        ...(record.testCounts ? { testCounts: record.testCounts } : {}),
        tamperFlags: record.tamperFlags.slice(0, 20).map((flag) => clip(flag, 300)),
        doneOverruled: result.result.reasons.startsWith(overruledDonePrefix),
      },
    };
  }
}
