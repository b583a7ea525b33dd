/** The git side of longhaul, as the activities see it. */
import type { LandStackRequest, LandStackResult, TestStackRequest, TestStackResult } from '../schemas/mergeQueue';
import type { PrepareCycleInput, PreparedCycle } from '../schemas/prepareCycle';

export type { PreparedCycle } from '../schemas/prepareCycle';

export interface ReadOnlyView {
  dir: string;
  release(): Promise<void>;
}

export interface OpenTaskRequest {
  projectId: string;
  repo: string;
  targetBranch: string;
  cycle: number;
  taskId: string;
  title: string;
  /**
   * The cycle's base commit: only commits after it count as an earlier attempt of this task, so a
   * task of another project (or an earlier run under the same id) with the same id never does.
   */
  sinceCommit?: string;
}

export interface ConflictInfo {
  conflictedFiles: string[];
  details: string;
}

export type IntegrationResult =
  | { status: 'integrated'; commit: string }
  | { status: 'no_changes' }
  | { status: 'conflict'; details: string; conflictedFiles: string[] }
  | { status: 'tests_failed'; output: string };

export interface IntegrateOptions {
  /** Commit message subject; the task id goes in a trailer. */
  message: string;
  /** Optional commit message body, placed between the subject and the trailer. */
  body?: string;
  testCommand?: string;
  /** Asked to resolve conflicts left in the worktree; true when they are resolved. */
  resolveConflict(conflict: ConflictInfo): Promise<boolean>;
  signal?: AbortSignal;
}

export interface SubmitOptions {
  /** Commit message subject; the task id goes in a trailer. */
  message: string;
  body?: string;
  signal?: AbortSignal;
}

/** The task's single commit, published on the source under `ref` for the merge queue. */
export type Submission = { status: 'submitted'; commit: string; base: string; ref: string } | { status: 'no_changes' };

export type RebaseOptions = SubmitOptions & Pick<IntegrateOptions, 'resolveConflict'>;

export type RebaseResult =
  | { status: 'rebased' }
  | { status: 'no_changes' }
  | { status: 'conflict'; details: string; conflictedFiles: string[] };

export interface TaskWorktree {
  dir: string;
  branch: string;
  /** Set when an earlier attempt of this task already landed its commit on the target branch. */
  integratedCommit?: string;
  integrate(options: IntegrateOptions): Promise<IntegrationResult>;
  /** Commits the work as the task's single commit and publishes it for the merge queue. */
  submit(options: SubmitOptions): Promise<Submission>;
  /** Moves the submitted commit onto the latest target head (the resolver handles conflicts). */
  rebaseOnTarget(options: RebaseOptions): Promise<RebaseResult>;
  /** The merge queue landed the task as `commit`: disposing drops the task branch. */
  recordLanded(commit: string): void;
  dispose(): Promise<void>;
}

/** The merge queue's git steps, run on whichever machine polls the queue's activities. */
export interface MergeQueueGit {
  testStack(request: TestStackRequest, signal?: AbortSignal): Promise<TestStackResult>;
  landStack(request: LandStackRequest, signal?: AbortSignal): Promise<LandStackResult>;
}

export interface Workspace {
  prepareCycle(req: PrepareCycleInput): Promise<PreparedCycle>;
  openReadOnlyView(req: { projectId: string; repo: string; commit: string }): Promise<ReadOnlyView>;
  openTask(req: OpenTaskRequest): Promise<TaskWorktree>;
  /** Current head of the target branch (the judge's view of what the cycle produced). */
  targetHead(req: { projectId: string; repo: string; targetBranch: string }): Promise<string>;
}
