/** The git side of longhaul, as the activities see it. */
import type { CheckoutEnvironment } from '../environment/prepareCheckout';
import type { PrepareCycleInput, PreparedCycle } from '../schemas/prepareCycle';

export type { PreparedCycle } from '../schemas/prepareCycle';

export interface ReadOnlyViewRequest {
  projectId: string;
  repo: string;
  commit: string;
  /** For a reader that runs code in the view (the judge): the view gets the project's dependencies. */
  environment?: { setupCommand: string; cycle: number; reader: string };
}

export interface ReadOnlyView {
  dir: string;
  /** How the view got its dependencies, when an environment was asked for. */
  environment?: CheckoutEnvironment;
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
  /** The worktree gets the project's dependencies before it is handed over, and again at integration if its manifests changed. */
  setupCommand?: string;
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

export interface TaskWorktree {
  dir: string;
  branch: string;
  /** Set when an earlier attempt of this task already landed its commit on the target branch. */
  integratedCommit?: string;
  /** How the worktree got its dependencies, when the task has a setup command. */
  environment?: CheckoutEnvironment;
  integrate(options: IntegrateOptions): Promise<IntegrationResult>;
  dispose(): Promise<void>;
}

export interface Workspace {
  /** `signal` stops a running setup (activity cancellation). */
  prepareCycle(req: PrepareCycleInput, signal?: AbortSignal): Promise<PreparedCycle>;
  openReadOnlyView(req: ReadOnlyViewRequest, signal?: AbortSignal): Promise<ReadOnlyView>;
  openTask(req: OpenTaskRequest, signal?: AbortSignal): Promise<TaskWorktree>;
  /** Current head of the target branch (the judge's view of what the cycle produced). */
  targetHead(req: { projectId: string; repo: string; targetBranch: string }): Promise<string>;
}
