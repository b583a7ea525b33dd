import { Context } from '@temporalio/activity';
import type { Agents } from '../agents/agentContracts';
import { projectClaimsQuery } from '../contract/messages/projectMessages';
import { ClaimSnapshot, type ClaimedTask } from '../schemas/claims';
import type { LandedTaskCommits, ReadOnlyView, Workspace } from '../git/workspaceContract';
import { parseInput } from '../schemas/parseInput';
import { PlanProposal, PlanStepInput, type PendingTask, type PlanRequest, type PlanResult } from '../schemas/plan';
import type { PreviousVerdict } from '../schemas/cycle';
import { startAgentRun, transcriptRefFor } from './agentRunContext';

/**
 * One planning step: the planner agent explores the target branch as it stands now (read-only), is
 * told which task commits landed since the cycle began, and proposes tasks and sub-areas. Only the
 * plan and its usage go back into workflow history.
 */
export function createPlanArea(agents: Agents, workspace: Workspace) {
  return async function planArea(raw: PlanStepInput): Promise<PlanResult> {
    const step = parseInput(PlanStepInput, raw, 'plan request');
    const { scope } = step;
    const { settings } = scope;
    const plannerName = step.plannerId.slice(settings.projectId.length + 1);
    const transcriptRef = transcriptRefFor(settings.projectId, scope.cycle, `${plannerName}-round-${step.round}`);
    // Heartbeats start before the checkout, which may wait for a clone or a lock.
    const run = startAgentRun(transcriptRef, settings);
    let view: ReadOnlyView | undefined;
    try {
      // The target as it stands now, so the planner sees what landed since the cycle began.
      const headCommit = await workspace.targetHead({
        projectId: settings.projectId,
        repo: settings.repo,
        targetBranch: settings.targetBranch,
      });
      view = await workspace.openReadOnlyView({ projectId: settings.projectId, repo: settings.repo, commit: headCommit });
      const landed: LandedTaskCommits =
        headCommit === scope.baseCommit
          ? { commits: [], total: 0 }
          : await workspace.landedTaskCommits({
              projectId: settings.projectId,
              repo: settings.repo,
              sinceCommit: scope.baseCommit,
              untilCommit: headCommit,
            });
      const req: PlanRequest = {
        projectId: settings.projectId,
        cycle: scope.cycle,
        plannerId: step.plannerId,
        goal: settings.goal,
        area: step.area,
        areaGoal: step.areaGoal,
        depth: step.depth,
        canSpawnSubplanners: step.depth < settings.limits.maxPlannerDepth,
        round: step.round,
        repo: settings.repo,
        baseCommit: scope.baseCommit,
        model: settings.models.planner,
        ...(settings.reasoning?.planner !== undefined ? { reasoningEffort: settings.reasoning.planner } : {}),
        steering: step.steering,
        previousVerdict: scope.previousVerdict && describeVerdict(scope.previousVerdict),
        results: step.results,
        subplannerOutcomes: step.subplannerOutcomes,
        pending: step.pending,
        failureRecord: step.failureRecord,
        ...(step.checkClaims ? { claims: await claimHolders(step) } : {}),
      };
      const planned = await agents.planner.plan({ ...req, dir: view.dir, headCommit, landed }, run.ctx);
      const proposal = parseInput(PlanProposal, planned.result, 'plan from the planner agent');
      return { ...proposal, usage: planned.usage, transcriptRef, promptVersion: planned.promptVersion };
    } finally {
      run.stop();
      await view?.release();
    }
  };
}

/**
 * Everything holding or waiting for claims across the planner tree: the cycle's claim registry (asked
 * of the project, which keeps it) and this planner's own queued and running tasks, all of them, since
 * the registry sees only the head of each planner's queue.
 */
async function claimHolders(step: PlanStepInput): Promise<ClaimedTask[]> {
  const answer = await Context.current().client.workflow.getHandle(step.scope.projectWorkflowId).query(projectClaimsQuery);
  const tree = parseInput(ClaimSnapshot, answer, 'claim registry').tasks;
  const known = new Set(tree.map((t) => t.taskId));
  const own = (step.pending ?? [])
    .filter((p): p is PendingTask & { claims: string[] } => p.claims !== undefined && !known.has(p.taskId))
    .map((p) => ({ taskId: p.taskId, plannerId: step.plannerId, area: step.area, state: p.state, claims: p.claims }));
  return [...tree, ...own];
}

function describeVerdict(verdict: PreviousVerdict): string {
  return `${verdict.verdict}: ${verdict.reasons}${verdict.nextFocus ? `\nNext focus: ${verdict.nextFocus}` : ''}`;
}
