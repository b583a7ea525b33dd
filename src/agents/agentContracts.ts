import type { LandedTaskCommits } from '../git/workspaceContract';
import type { EarlierVerdict } from '../schemas/cycle';
import type { JudgeEvidenceSummary } from '../schemas/judge';
import type { PlanProposal, PlanRequest } from '../schemas/plan';
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
}

export interface AgentRunContext {
  /** Aborted when Temporal cancels the activity (delivered through heartbeats). */
  signal: AbortSignal;
  /** Called after every model turn. */
  heartbeat(checkpoint: AgentCheckpoint): void;
  resumeFrom?: AgentCheckpoint;
  /** Where the full transcript of this agent run is written (one file per task). */
  transcriptRef: string;
}

export interface AgentResult<T> {
  result: T;
  usage: Usage;
  promptVersion: string;
  /** Set when the loop hit its turn or token limit before the terminal tool. */
  stoppedBy?: 'turn_limit' | 'token_limit';
}

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
}

export interface WorkOutcome {
  outcome: 'done' | 'blocked';
  summary: string;
}

export interface ConflictRequest extends WorkerAgentRequest {
  conflictedFiles: string[];
  details: string;
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
