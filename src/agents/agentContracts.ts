import type { LandedTaskCommits } from '../git/workspaceContract';
import type { OutageGuard } from '../models/outageGuard';
import type { EarlierVerdict } from '../schemas/cycle';
import type { JudgeEvidenceSummary } from '../schemas/judge';
import type { Limits } from '../schemas/limits';
import type { PlanProposal, PlanRequest } from '../schemas/plan';
import type { ReasoningEffort } from '../schemas/reasoning';
import type { SandboxSettings } from '../schemas/sandbox';
import type { PlannedTask, TaskOutcome } from '../schemas/task';
import type { TestCounts } from '../schemas/testCounts';
import type { Usage } from '../schemas/usage';
import type { VerdictProposal } from '../schemas/verdict';

/**
 * What an agent may leave behind after each turn. The last one that reached Temporal comes back to a
 * retried attempt as `resumeFrom`; the conversation itself is read back from the transcript file.
 */
export interface AgentCheckpoint {
  turn: number;
  transcriptRef: string;
  usage: Usage;
  /** Time the run has worked so far, over all attempts; per-task time caps count it. */
  elapsedMs?: number;
}

export interface AgentRunContext {
  /** Aborted when Temporal cancels the activity (delivered through heartbeats). */
  signal: AbortSignal;
  /** Called after every model turn. */
  heartbeat(checkpoint: AgentCheckpoint): void;
  resumeFrom?: AgentCheckpoint;
  /** Where the full transcript of this agent run is written (one file per task). */
  transcriptRef: string;
  /** Waits out the model provider's outages inside each call; without it a failed call fails the run. */
  outage?: OutageGuard;
}

export interface AgentResult<T> {
  result: T;
  usage: Usage;
  promptVersion: string;
  /** Set when the run ended without its terminal tool being accepted as the end of the work. */
  stoppedBy?: AgentStoppedBy;
  /** For `stalled` the pattern, for `task_limit` the cap with its figures. */
  stopDetail?: string;
}

/**
 * `stalled`: the model kept repeating itself (stuck detection); `task_limit`: a per-task cap was
 * reached and the run wrapped up; `context_exhausted`: even a compacted conversation did not fit.
 */
export type AgentStoppedBy = 'turn_limit' | 'token_limit' | 'stalled' | 'task_limit' | 'context_exhausted';

export type PlannerAgentRequest = PlanRequest & {
  /** A read-only checkout of `headCommit`. */
  dir: string;
  /** The target branch's head when the step began (the base commit when no target branch was given). */
  headCommit: string;
  /** Task commits landed since the cycle's base. */
  landed: LandedTaskCommits;
};

export interface WorkerAgentRequest {
  projectId: string;
  cycle: number;
  taskId: string;
  goal: string;
  task: PlannedTask;
  model: string;
  /** The task's own working copy; tools are confined to it. */
  dir: string;
  testCommand?: string;
  steering: string[];
  /** Overrides the worker role's configured effort for this project. */
  reasoningEffort?: ReasoningEffort;
  /** The project's per-task caps (its limits); defaults apply to those it leaves out. */
  taskLimits?: TaskLimits;
  /** The project's sandbox settings; the worker's defaults when absent. */
  sandbox?: SandboxSettings;
}

export type TaskLimits = Pick<Limits, 'maxTaskTokens' | 'maxTaskCostUsd' | 'maxTaskMinutes'>;

export interface WorkOutcome {
  outcome: 'done' | 'blocked';
  summary: string;
}

export interface ConflictRequest extends WorkerAgentRequest {
  conflictedFiles: string[];
  details: string;
}

/** Credentials found in the task's change: where they are (never their values), as the worker is told. */
export interface SecretsRequest extends WorkerAgentRequest {
  details: string;
}

export interface TestFailureRequest extends WorkerAgentRequest {
  /** The tail of the failing test run of the task's change on the target (from the merge queue). */
  testOutput: string;
}

export interface JudgeAgentRequest {
  projectId: string;
  cycle: number;
  goal: string;
  model: string;
  dir: string;
  baseCommit: string;
  headCommit: string;
  testCommand?: string;
  steering: string[];
  /** The project's sandbox settings for the judge's test run and its own commands; the worker's defaults when absent. */
  sandbox?: SandboxSettings;
  /** Overrides the judge role's configured effort for this project. */
  reasoningEffort?: ReasoningEffort;
  /** The root planner's account of the cycle, for orientation only. */
  plannerReport: { summary: string; tasksDone: number; tasksFailed: number };
  /** What each task's worker said and how it ended, for orientation only: the judge verifies on its own. */
  tasks: TaskOutcome[];
  earlierVerdicts: EarlierVerdict[];
  /** Counts at `baseCommit` from an earlier run, when known. */
  baseTestCounts?: TestCounts;
  /** A read-only checkout of `baseCommit`, for counting the tests there when no counts were carried over. */
  openBaseCheckout?: () => Promise<{ dir: string; release(): Promise<void> }>;
}

export interface PlannerAgent {
  plan(req: PlannerAgentRequest, ctx: AgentRunContext): Promise<AgentResult<PlanProposal>>;
}

export interface WorkerAgent {
  work(req: WorkerAgentRequest, ctx: AgentRunContext): Promise<AgentResult<WorkOutcome>>;
  /** Resolve a merge conflict left in `req.dir`; `done` means the files are resolved. */
  resolveConflict(req: ConflictRequest, ctx: AgentRunContext): Promise<AgentResult<WorkOutcome>>;
  /** Take the credentials the harness found out of `req.dir`; `done` means they are gone. */
  removeSecrets(req: SecretsRequest, ctx: AgentRunContext): Promise<AgentResult<WorkOutcome>>;
  /** Fix the task's change in `req.dir` so the test command passes on the target; `done` means fixed. */
  fixTests(req: TestFailureRequest, ctx: AgentRunContext): Promise<AgentResult<WorkOutcome>>;
}

export interface JudgeAgentResult extends AgentResult<VerdictProposal> {
  /** What the harness established; absent when a resumed review found no record of it. */
  evidence?: JudgeEvidenceSummary;
}

export interface JudgeAgent {
  judge(req: JudgeAgentRequest, ctx: AgentRunContext): Promise<JudgeAgentResult>;
}

export interface Agents {
  planner: PlannerAgent;
  worker: WorkerAgent;
  judge: JudgeAgent;
}
