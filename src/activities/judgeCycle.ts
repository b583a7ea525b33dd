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
    const transcriptRef = transcriptRefFor(input.projectId, input.cycle, 'judge');
    // Heartbeats start before the fetch and checkout, which may wait for a clone or a lock.
    const run = startAgentRun(transcriptRef);
    let view: ReadOnlyView | undefined;
    try {
      const headCommit = await workspace.targetHead({ projectId: input.projectId, repo: input.repo, targetBranch: input.targetBranch });
      view = await workspace.openReadOnlyView({ projectId: input.projectId, repo: input.repo, commit: headCommit });
      const judged = await agents.judge.judge(
        {
          projectId: input.projectId,
          cycle: input.cycle,
          goal: input.goal,
          model: input.model,
          dir: view.dir,
          baseCommit: input.baseCommit,
          headCommit,
          testCommand: input.testCommand,
          steering: input.steering,
          taskSummaries: [
            {
              title: 'Root planner report',
              status: `${input.tasksDone} tasks reported done, ${input.tasksFailed} failed`,
              summary: input.plannerSummary,
            },
          ],
        },
        run.ctx,
      );
      const verdict = parseInput(VerdictProposal, judged.result, 'verdict from the judge agent');
      return {
        cycle: input.cycle,
        verdict: verdict.verdict,
        reasons: clip(verdict.reasons, 4_000),
        nextFocus: verdict.next_focus,
        usage: judged.usage,
        transcriptRef,
        promptVersion: judged.promptVersion,
        headCommit,
      };
    } finally {
      run.stop();
      await view?.release();
    }
  };
}
