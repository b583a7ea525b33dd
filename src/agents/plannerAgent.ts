import type { LandedTaskCommits } from '../git/workspaceContract';
import type { FailedTask, PendingTask, PlanProposal } from '../schemas/plan';
import { describeClaim } from '../schemas/claimPaths';
import { clip } from '../schemas/task';
import type { AgentResult, AgentRunContext, PlannerAgent, PlannerAgentRequest } from './agentContracts';
import type { AgentDependencies } from './agentDependencies';
import { runAgentLoop, type LoopLimits } from './agentLoop';
import { describeUnfinished, toAgentResult } from './agentResult';
import { modelSettingsFor } from './modelSettings';
import { bulletList, fence, formatOutsideClaims, formatSteering, oneLine } from './promptInputs';
import { PromptLibrary } from './promptTemplate';
import { isFolderPath, repositoryInstructions } from './repositoryInstructions';
import { submitPlanTool } from './tools/terminalTools';
import { capMiddle } from './tools/textLimits';
import { readOnlyTools } from './tools/toolSets';

export const defaultPlannerLimits: LoopLimits = { maxTurns: 60, maxProseReminders: 3 };

const SPAWN_ALLOWED =
  'When part of your area is large enough to need planning of its own — a subsystem that will take many tasks over ' +
  'several steps — hand it to a sub-planner with `subplanners: [{ area, goal }]`. A sub-planner explores, hands out ' +
  'tasks and re-plans for its area on its own, and you receive its outcome when it finishes. Give each sub-planner a ' +
  'clearly bounded area (directories, components) that overlaps neither with other sub-planners nor with the tasks ' +
  'you give out in the same step, and a goal that says when that area is done. Work a handful of tasks can cover ' +
  'does not need a sub-planner.';

const SPAWN_FORBIDDEN =
  'You are at the deepest level of the planner tree and cannot spawn sub-planners: `subplanners` must be empty. ' +
  'Cover your area with tasks, over several steps if needed.';

type PlannerVars =
  | 'subplanner_rule'
  | 'round'
  | 'area'
  | 'goal'
  | 'area_goal'
  | 'depth'
  | 'checkout'
  | 'landed_commits'
  | 'failure_record'
  | 'steering'
  | 'previous_verdict'
  | 'results'
  | 'subplanner_outcomes'
  | 'repository_instructions'
  | 'pending_tasks'
  | 'claim_registry';

const MAX_LANDED_SHOWN = 100;
const MAX_FAILURES_SHOWN = 50;

function describeCheckout(req: PlannerAgentRequest): string {
  if (req.headCommit === req.baseCommit) {
    return `the head of the target branch, ${req.headCommit}: nothing has landed since the cycle began at that commit`;
  }
  return `the head of the target branch, ${req.headCommit}, as it stands now: the cycle began at ${req.baseCommit}, and the task commits listed below have landed since`;
}

/** Newest last; when there are too many, the oldest are the ones left out. */
function formatLandedCommits(landed: LandedTaskCommits): string {
  const shown = landed.commits.slice(-MAX_LANDED_SHOWN).map((c) => {
    const files = c.files.map((f) => oneLine(f, 300)).join(', ') + (c.moreFiles > 0 ? ` and ${c.moreFiles} more` : '');
    return `${c.sha.slice(0, 12)} ${oneLine(c.subject, 200)} (task ${c.taskIds.join(', ')}): ${files || '(no files)'}`;
  });
  const list = bulletList(shown, '(none: no task commit has landed since the cycle began)', MAX_LANDED_SHOWN);
  const left = landed.total - shown.length;
  return left > 0 ? `(${left} earlier commit(s) not shown)\n${list}` : list;
}

function formatFailure(f: FailedTask): string {
  const [first = '', ...rest] = f.reason.trimEnd().split('\n');
  const line = `[${f.status}] ${oneLine(f.title, 200)} (${f.taskId}): ${oneLine(first, 1_000)}`;
  // The rest of the reason is the output excerpt: kept as it was printed.
  return rest.length === 0 ? line : `${line}\n${indent(fence(capMiddle(rest.join('\n'), 2_000)))}`;
}

const MAX_CLAIMS_SHOWN = 200;

function formatClaims(claims: readonly string[] | undefined): string {
  if (claims === undefined) return '';
  return claims.length === 0 ? ', claims nothing' : `, claims ${claims.map((c) => describeClaim(oneLine(c, 300))).join(', ')}`;
}

/** What this planner still has queued or running while it plans again; queued ones may be cancelled. */
function formatPending(pending: readonly PendingTask[]): string {
  return bulletList(
    pending.map((p) => `[${p.state}] ${oneLine(p.title, 200)} (${p.taskId}${formatClaims(p.claims)})`),
    '(none: nothing of yours is queued or running)',
    200,
  );
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

function plannerVars(req: PlannerAgentRequest, instructions: string): Record<PlannerVars, string> {
  return {
    subplanner_rule: req.canSpawnSubplanners ? SPAWN_ALLOWED : SPAWN_FORBIDDEN,
    round: String(req.round + 1),
    area: oneLine(req.area, 200),
    goal: clip(req.goal, 20_000),
    area_goal: clip(req.areaGoal, 10_000),
    depth: String(req.depth),
    checkout: describeCheckout(req),
    landed_commits: formatLandedCommits(req.landed),
    failure_record: bulletList(
      (req.failureRecord ?? []).map(formatFailure),
      '(none: no task of your area has failed this cycle)',
      MAX_FAILURES_SHOWN,
    ),
    steering: formatSteering(req.steering),
    previous_verdict: req.previousVerdict ? clip(req.previousVerdict, 8_000) : '(none: this is the first cycle)',
    results: bulletList(
      req.results.map(
        (r) =>
          `[${r.status}] ${oneLine(r.title, 200)} (${r.taskId}${r.commit ? `, commit ${r.commit.slice(0, 12)}` : ''}): ${oneLine(r.summary, 1_500)}${formatOutsideClaims(r.outsideClaims)}`,
      ),
      req.round === 0 ? '(none yet: this is your first step)' : '(none)',
    ),
    subplanner_outcomes: bulletList(
      req.subplannerOutcomes.map(
        (o) => `${oneLine(o.area, 200)}: ${o.tasksDone} task(s) done, ${o.tasksFailed} failed. ${oneLine(o.summary, 1_500)}`,
      ),
      '(none)',
    ),
    repository_instructions: instructions,
    pending_tasks: formatPending(req.pending ?? []),
    claim_registry:
      req.claims === undefined
        ? '(not checked in this step)'
        : bulletList(
            req.claims.map((c) => `[${c.state}] ${c.taskId} (area "${oneLine(c.area, 200)}")${formatClaims(c.claims)}`),
            '(none: no task of the cycle is queued or running)',
            MAX_CLAIMS_SHOWN,
          ),
  };
}

/**
 * Plans one step for one area: explores the read-only checkout of the target's current head, is told
 * what landed and what failed, and answers with `submit_plan`.
 */
export class ModelPlannerAgent implements PlannerAgent {
  private readonly prompts: PromptLibrary;

  constructor(private readonly deps: AgentDependencies) {
    this.prompts = deps.prompts ?? new PromptLibrary();
  }

  async plan(req: PlannerAgentRequest, ctx: AgentRunContext): Promise<AgentResult<PlanProposal>> {
    // An area that names a folder brings that folder's instructions too.
    const areaFolder = req.area.trim().replace(/^\/+|\/+$/g, '');
    const folders = areaFolder !== '' && (await isFolderPath(req.dir, areaFolder)) ? [`${areaFolder}/`] : [];
    const instructions = await repositoryInstructions(req.dir, folders);
    const prompt = this.prompts.render<PlannerVars>('planner', plannerVars(req, instructions));
    const outcome = await runAgentLoop({
      role: 'planner',
      ...modelSettingsFor(this.deps, 'planner', req.model, req.reasoningEffort),
      system: prompt.system,
      kickoff: prompt.kickoff,
      promptVersion: prompt.version,
      tools: readOnlyTools(),
      terminal: submitPlanTool({ canSpawnSubplanners: req.canSpawnSubplanners, claims: req.claims }),
      dir: req.dir,
      limits: { ...defaultPlannerLimits, ...this.deps.limits },
      transcripts: this.deps.transcripts,
      prompts: this.prompts,
      ctx,
    });
    return toAgentResult(outcome, prompt.version, (stop) => ({
      // No tasks and not done: the area is handed back unfinished, with the reason.
      summary: clip(describeUnfinished(stop, outcome.turns, 'submitting a plan'), 4_000),
      tasks: [],
      subplanners: [],
      done: false,
    }));
  }
}
