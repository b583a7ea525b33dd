import type { PlanProposal, PlanRequest } from '../schemas/plan';
import type { PlannedTask } from '../schemas/task';
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
  /** A read-only checkout of the cycle's base commit. */
  dir: string;
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
  /** What the workers said, for orientation only: the judge verifies on its own. */
  taskSummaries: { title: string; status: string; summary: string }[];
}

export interface PlannerAgent {
  plan(req: PlannerAgentRequest, ctx: AgentRunContext): Promise<AgentResult<PlanProposal>>;
}

export interface WorkerAgent {
  work(req: WorkerAgentRequest, ctx: AgentRunContext): Promise<AgentResult<WorkOutcome>>;
  /** Resolve a merge conflict left in `req.dir`; `done` means the files are resolved. */
  resolveConflict(req: ConflictRequest, ctx: AgentRunContext): Promise<AgentResult<WorkOutcome>>;
  /** Fix the task's change in `req.dir` so the test command passes on the target; `done` means fixed. */
  fixTests(req: TestFailureRequest, ctx: AgentRunContext): Promise<AgentResult<WorkOutcome>>;
}

export interface JudgeAgent {
  judge(req: JudgeAgentRequest, ctx: AgentRunContext): Promise<AgentResult<VerdictProposal>>;
}

export interface Agents {
  planner: PlannerAgent;
  worker: WorkerAgent;
  judge: JudgeAgent;
}
