import type { Agents } from '../agents/agentContracts';
import type { ReadOnlyView, Workspace } from '../git/workspaceContract';
import { JudgeInput, type JudgeResult } from '../schemas/judge';
import { parseInput } from '../schemas/parseInput';
import { clip } from '../schemas/task';
import { VerdictProposal } from '../schemas/verdict';
import { startAgentRun, transcriptRefFor } from './agentRunContext';

/** Ends a cycle: the judge agent checks the target branch's head against the goal. */
export function createJudgeCycle(agents: Agents, workspace: Workspace) {
  return async function judgeCycle(raw: JudgeInput): Promise<JudgeResult> {
    const input = parseInput(JudgeInput, raw, 'judge input');
    const { scope } = input;
    const { settings } = scope;
    const transcriptRef = transcriptRefFor(settings.projectId, scope.cycle, 'judge');
    // Heartbeats start before the fetch and checkout, which may wait for a clone or a lock.
    const run = startAgentRun(transcriptRef, settings);
    let view: ReadOnlyView | undefined;
    try {
      const headCommit = await workspace.targetHead({
        projectId: settings.projectId,
        repo: settings.repo,
        targetBranch: settings.targetBranch,
      });
      view = await workspace.openReadOnlyView(
        {
          projectId: settings.projectId,
          repo: settings.repo,
          commit: headCommit,
          environment:
            settings.setupCommand === undefined ? undefined : { setupCommand: settings.setupCommand, cycle: scope.cycle, reader: 'judge' },
        },
        run.ctx.signal,
      );
      const judged = await agents.judge.judge(
        {
          projectId: settings.projectId,
          cycle: scope.cycle,
          goal: settings.goal,
          model: settings.models.judge,
          ...(settings.reasoning?.judge !== undefined ? { reasoningEffort: settings.reasoning.judge } : {}),
          dir: view.dir,
          baseCommit: scope.baseCommit,
          headCommit,
          testCommand: settings.testCommand,
          steering: input.steering,
          ...(settings.sandbox ? { sandbox: settings.sandbox } : {}),
          plannerReport: { summary: input.plannerSummary, tasksDone: input.tasksDone, tasksFailed: input.tasksFailed },
          tasks: input.tasks ?? [],
          earlierVerdicts: input.earlierVerdicts ?? [],
          ...(input.baseTestCounts ? { baseTestCounts: input.baseTestCounts } : {}),
          // Opened only when the tests must be counted at the base; released by the judge after that run.
          openBaseCheckout: () =>
            workspace.openReadOnlyView({ projectId: settings.projectId, repo: settings.repo, commit: scope.baseCommit }),
        },
        run.ctx,
      );
      const verdict = parseInput(VerdictProposal, judged.result, 'verdict from the judge agent');
      return {
        cycle: scope.cycle,
        verdict: verdict.verdict,
        reasons: clip(verdict.reasons, 4_000),
        nextFocus: verdict.next_focus,
        usage: judged.usage,
        transcriptRef,
        promptVersion: judged.promptVersion,
        headCommit,
        ...(judged.evidence ? { evidence: judged.evidence } : {}),
      };
    } finally {
      run.stop();
      await view?.release();
    }
  };
}
