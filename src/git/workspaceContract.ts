/** The git side of longhaul, as the activities see it. */
import type { CheckoutEnvironment } from '../environment/prepareCheckout';
import type { LandStackRequest, LandStackResult, TestStackRequest, TestStackResult } from '../schemas/mergeQueue';
import type { PrepareCycleInput, PreparedCycle } from '../schemas/prepareCycle';
import type { SandboxSettings } from '../schemas/sandbox';
import type { SecretFinding } from '../secrets/changeScan';

export type { PreparedCycle } from '../schemas/prepareCycle';

export interface ReadOnlyViewRequest {
  projectId: string;
  repo: string;
  commit: string;
  /** For a reader that runs code in the view (the judge): the view gets the project's dependencies. */
  environment?: { setupCommand: string; cycle: number; reader: string };
}

/** A commit a task landed on the target branch, as planners are shown what landed. */
export interface LandedTaskCommit {
  sha: string;
  subject: string;
  /** From the commit's `Longhaul-Task` trailer. */
  taskIds: string[];
  files: string[];
  /** How many more files it touched than `files` lists. */
  moreFiles: number;
}

export interface LandedTaskCommits {
  /** The newest ones, oldest first. */
  commits: LandedTaskCommit[];
  /** Task commits in the range, listed or not. */
  total: number;
}

export interface LandedTaskCommitsRequest {
  projectId: string;
  repo: string;
  /** Commits after this one (the cycle's base)... */
  sinceCommit: string;
  /** ...up to and including this one (the target's head as last read). */
  untilCommit: string;
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
  /**
   * A parked task's submission on the source: the work continues from it when this machine has no
   * branch of the task (its earlier attempt ran elsewhere).
   */
  resumeFrom?: { ref: string; commit: string };
}

export interface ConflictInfo {
  conflictedFiles: string[];
  details: string;
}

/** Credentials found in a change, where they are (never their values) and what the worker is told. */
export interface SecretsInfo {
  findings: SecretFinding[];
  details: string;
}

export type IntegrationResult =
  | { status: 'integrated'; commit: string }
  | { status: 'no_changes' }
  | { status: 'conflict'; details: string; conflictedFiles: string[] }
  | { status: 'tests_failed'; output: string }
  /** The change carries credentials and was not landed. */
  | { status: 'secrets_found'; details: string; findings: SecretFinding[] };

export interface IntegrateOptions {
  /** Commit message subject; the task id goes in a trailer. */
  message: string;
  /** Optional commit message body, placed between the subject and the trailer. */
  body?: string;
  testCommand?: string;
  /** Asked to resolve conflicts left in the worktree; true when they are resolved. */
  resolveConflict(conflict: ConflictInfo): Promise<boolean>;
  /**
   * Asked to take credentials out of the worktree before anything is committed; true when the
   * worktree is fixed (it is scanned again). Without it, such a change comes back as `secrets_found`.
   */
  removeSecrets?(secrets: SecretsInfo): Promise<boolean>;
  /** The project's sandbox settings for the test command; the worker's defaults when absent. */
  sandbox?: SandboxSettings;
  signal?: AbortSignal;
}

export interface SubmitOptions {
  /** Commit message subject; the task id goes in a trailer. */
  message: string;
  body?: string;
  signal?: AbortSignal;
  /** As for integration: credentials in the change go back to the worker before anything is published. */
  removeSecrets?: IntegrateOptions['removeSecrets'];
}

/** The task's single commit, published on the source under `ref` for the merge queue. */
export type Submission =
  | { status: 'submitted'; commit: string; base: string; ref: string }
  | { status: 'no_changes' }
  | Extract<IntegrationResult, { status: 'secrets_found' }>;

export type RebaseOptions = SubmitOptions & Pick<IntegrateOptions, 'resolveConflict'>;

export type RebaseResult =
  { status: 'rebased' } | { status: 'no_changes' } | { status: 'conflict'; details: string; conflictedFiles: string[] };

export interface TaskWorktree {
  dir: string;
  branch: string;
  /** Set when an earlier attempt of this task already landed its commit on the target branch. */
  integratedCommit?: string;
  /** How the worktree got its dependencies, when the task has a setup command. */
  environment?: CheckoutEnvironment;
  /**
   * Paths the work here changes against the target head it started from, committed or not (new files
   * included; what setup left and ignored files not), for comparing with the task's claims.
   */
  changedFiles(): Promise<string[]>;
  integrate(options: IntegrateOptions): Promise<IntegrationResult>;
  /** Commits the work as the task's single commit and publishes it for the merge queue. */
  submit(options: SubmitOptions): Promise<Submission>;
  /** Moves the submitted commit onto the latest target head (the resolver handles conflicts). */
  rebaseOnTarget(options: RebaseOptions): Promise<RebaseResult>;
  /** The merge queue landed the task as `commit`: disposing drops the task branch. */
  recordLanded(commit: string): void;
  dispose(): Promise<void>;
  /**
   * Disposes without the caller waiting (a task parked in the merge queue gives its slot back at once);
   * opening the same task again in this process waits for it. `onError` hears a failure.
   */
  disposeSoon(onError: (error: unknown) => void): void;
}

/** The merge queue's git steps, run on whichever machine polls the queue's activities. */
export interface MergeQueueGit {
  testStack(request: TestStackRequest, signal?: AbortSignal): Promise<TestStackResult>;
  landStack(request: LandStackRequest, signal?: AbortSignal): Promise<LandStackResult>;
}

export interface Workspace {
  /** `signal` stops a running setup (activity cancellation). */
  prepareCycle(req: PrepareCycleInput, signal?: AbortSignal): Promise<PreparedCycle>;
  openReadOnlyView(req: ReadOnlyViewRequest, signal?: AbortSignal): Promise<ReadOnlyView>;
  openTask(req: OpenTaskRequest, signal?: AbortSignal): Promise<TaskWorktree>;
  /** Current head of the target branch (the judge's view of what the cycle produced). */
  targetHead(req: { projectId: string; repo: string; targetBranch: string }): Promise<string>;
  /** Task commits in `sinceCommit..untilCommit`: the newest 100 at most, and how many there are. */
  landedTaskCommits(req: LandedTaskCommitsRequest): Promise<LandedTaskCommits>;
}
