import type { Agents } from '../agents/agentContracts';
import type { ReadOnlyView, Workspace } from '../git/workspaceContract';
import { parseInput } from '../schemas/parseInput';
import { PlanProposal, PlanRequest, type PlanResult } from '../schemas/plan';
import { startAgentRun, transcriptRefFor } from './agentRunContext';

/**
 * One planning step: the planner agent explores the cycle's base commit (read-only) and proposes
 * tasks and sub-areas. Only the plan and its usage go back into workflow history.
 */
export function createPlanArea(agents: Agents, workspace: Workspace) {
  return async function planArea(raw: PlanRequest): Promise<PlanResult> {
    const req = parseInput(PlanRequest, raw, 'plan request');
    const plannerName = req.plannerId.slice(req.projectId.length + 1);
    const transcriptRef = transcriptRefFor(req.projectId, req.cycle, `${plannerName}-round-${req.round}`);
    // Heartbeats start before the checkout, which may wait for a clone or a lock.
    const run = startAgentRun(transcriptRef);
    let view: ReadOnlyView | undefined;
    try {
      view = await workspace.openReadOnlyView({ projectId: req.projectId, repo: req.repo, commit: req.baseCommit });
      const planned = await agents.planner.plan({ ...req, dir: view.dir }, run.ctx);
      const proposal = parseInput(PlanProposal, planned.result, 'plan from the planner agent');
      return { ...proposal, usage: planned.usage, transcriptRef, promptVersion: planned.promptVersion };
    } finally {
      run.stop();
      await view?.release();
    }
  };
}
