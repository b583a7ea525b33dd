import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { EnvironmentStore } from '../../environment/environmentStore';
import { prepareCheckout, type CheckoutEnvironment } from '../../environment/prepareCheckout';
import { setupFailure } from '../../environment/setupFailure';
import { TranscriptStore } from '../../state/transcriptStore';
import { GitFailureType, gitFailure } from '../core/gitFailures';
import { gitIn, type Git } from '../core/gitRunner';
import { abortUnfinishedRebase, integrateTask, type IntegrationContext, type IntegrationSettings } from '../integration/integrateBranch';
import type { IntegrationHooks } from '../integration/integrationHooks';
import { taskBranchName, taskWorktreeName } from '../core/names';
import { isOwnerAlive, newOwner, readOwner, retireOwner, writeOwner, type OwnerRecord } from '../locks/ownerRecord';
import type { RepoCache } from '../source/repoCache';
import { privateGitDir } from './privateGitDir';
import { retireWorktree } from './worktreeRetirement';
import { awaitSpareOnItsWay, spareOnItsWay } from './incomingSpares';
import { claimSpareLocked, emptyForSpare, hasRoomForSpare, hasSpare, type SpareWorktreeSettings } from './spareWorktrees';
import { fetchTargetHead, readFetchHead } from '../source/targetFetch';
import { findTaskCommits } from '../integration/taskTrailer';
import { rebaseTaskOnTarget, submitTask } from '../integration/taskSubmission';
import type {
  IntegrateOptions,
  IntegrationResult,
  OpenTaskRequest,
  RebaseOptions,
  RebaseResult,
  SubmitOptions,
  Submission,
  TaskWorktree,
} from '../workspaceContract';

export interface TaskWorktreeSettings extends IntegrationSettings, SpareWorktreeSettings {
  hooks?: IntegrationHooks;
  /** Where a problem that must not fail the task (a worktree that could not be kept) is reported. */
  onWarning: (message: string, error: unknown) => void;
  /** Where the task's setup gets prepared dependencies from. */
  environments: EnvironmentStore;
  signal?: AbortSignal;
}

/** Message of the commit that parks unfinished work on the task branch; it carries no task trailer. */
const parkedWorkSubject = 'longhaul: unfinished work';

export function ownerFileOf(worktreeDir: string): string {
  return `${worktreeDir}.owner.json`;
}

async function hasUncommittedChanges(git: Git): Promise<boolean> {
  const { stdout } = await git(['status', '--porcelain', '--untracked-files=all']);
  return stdout.trim().length > 0;
}

/** Commits whatever the worktree holds onto its branch so the work survives the worktree. */
export async function parkUncommittedWork(git: Git, taskLabel: string): Promise<void> {
  if (!(await hasUncommittedChanges(git))) return;
  await git(['add', '-A']);
  await git(['commit', '--no-verify', '-m', `${parkedWorkSubject} (${taskLabel})`]);
}

/** How a task's worktree came to be: new, a kept spare (detached until it takes the branch), or left by an earlier attempt. */
type OpenMode = 'fresh' | 'spare' | 'resumed' | 'adopted';

/**
 * Puts a detached worktree on the task's branch: a new one at `targetHead` (checking that commit out),
 * or the branch an earlier attempt left. A kept spare is detached until here, and so is one whose
 * attempt died before it got this far. Returns true when it made a new branch at `targetHead`.
 */
async function takeBranch(git: Git, branch: string, targetHead: string): Promise<boolean> {
  if ((await git(['symbolic-ref', '--quiet', 'HEAD'], { allowFailure: true })).exitCode === 0) return false;
  // Detached worktrees hold no work: spares are emptied, and work is parked before a worktree is emptied.
  const created = await git(['checkout', '--quiet', '--force', '--no-track', '-b', branch, targetHead], { allowFailure: true });
  if (created.exitCode === 0) return true;
  const resumed = await git(['checkout', '--quiet', '--force', branch], { allowFailure: true });
  if (resumed.exitCode === 0) return false;
  throw gitFailure(GitFailureType.taskBusy, `task branch ${branch} cannot be checked out here: ${resumed.stderr.trim().slice(0, 500)}`);
}

/** Disposals still running in this process, by cache and task branch: opening that task again waits for its own. */
const disposals = new Map<string, Promise<void>>();

/** Settles once every disposal this process started has ended (before the process exits). */
export async function disposalsSettled(): Promise<void> {
  await Promise.all([...disposals.values()]);
}

/**
 * Gives a parked task's branch its submitted commit when this machine has no branch of it. Hold the
 * lock. Without either, the work is gone, and only a fresh start of the task could redo it.
 */
async function fetchSubmissionLocked(cache: RepoCache, branch: string, request: OpenTaskRequest): Promise<void> {
  const from = request.resumeFrom;
  if (from === undefined || (await cache.resolveCommit(`refs/heads/${branch}`)) !== undefined) return;
  const fetched = await cache.git(['fetch', '--no-tags', '--no-write-fetch-head', 'origin', `+${from.ref}:refs/heads/${branch}`], {
    allowFailure: true,
  });
  if (fetched.exitCode !== 0 || (await cache.resolveCommit(`refs/heads/${branch}`)) !== from.commit) {
    throw gitFailure(
      GitFailureType.unknownCommit,
      `the submitted change of task ${request.taskId} (${from.ref}) is gone from the source and from this machine: ${fetched.stderr.trim().slice(0, 500)}`,
    );
  }
}

/**
 * A task's private worktree on branch `longhaul/<projectId>/c<cycle>/<taskId>` in the cache clone.
 *
 * Retries are idempotent: a task whose trailer is already on the target comes back with
 * `integratedCommit` set; a task branch left by an earlier attempt (committed, or parked by
 * `dispose`, or a worktree whose process died with uncommitted changes) is continued, not restarted.
 */
export class GitTaskWorktree implements TaskWorktree {
  integratedCommit?: string;
  environment?: CheckoutEnvironment;
  private disposed = false;
  /** The target head fetched when the worktree was opened. */
  private startHead?: string;
  private lastResult?: IntegrationResult['status'];
  private readonly git: Git;

  private constructor(
    private readonly cache: RepoCache,
    readonly dir: string,
    readonly branch: string,
    private readonly request: OpenTaskRequest,
    private readonly owner: OwnerRecord,
    private readonly worktreeGitDir: string,
    private readonly settings: TaskWorktreeSettings,
  ) {
    this.git = gitIn(dir, cache.settings.identity, cache.settings.gitIdleTimeoutMs);
  }

  static async open(cache: RepoCache, request: OpenTaskRequest, settings: TaskWorktreeSettings): Promise<GitTaskWorktree> {
    const branch = taskBranchName(request.projectId, request.cycle, request.taskId);
    await disposals.get(disposalKey(cache, branch));
    const owner = newOwner();
    const dir = path.join(cache.tasksDir, taskWorktreeName(branch));
    let registered: { dir: string; mode: OpenMode } | undefined;
    try {
      // Any commit will do to register the worktree; the real start point is fetched right after.
      const start = `refs/remotes/origin/${request.targetBranch}`;
      const add = ['worktree', 'add', '--no-checkout', '--no-track', '-b', branch, '--', dir, start];
      // The usual case, nothing of this task on this machine yet, is registered in a hold of the cache
      // lock shared with this process's other registrations, in a kept worktree where there is one
      // (which takes its branch after the hold); anything else in a hold of its own.
      if (request.resumeFrom === undefined && !existsSync(dir)) {
        if (settings.spareWorktrees > 0 && !(await hasSpare(cache))) await awaitSpareOnItsWay(cache.root);
        registered = await cache.sharedHolds.run(async () => {
          const claimed = settings.spareWorktrees > 0 && (await claimSpareLocked(cache, dir));
          if (!claimed && (await cache.git(add, { allowFailure: true })).exitCode !== 0) return undefined;
          await writeOwner(ownerFileOf(dir), owner);
          return { dir, mode: claimed ? ('spare' as const) : ('fresh' as const) };
        });
      }
      registered ??= await cache.withLock(() => registerWorktreeLocked(cache, request, branch, dir, owner, add));
    } catch (error) {
      retireOwner(owner);
      throw error;
    }
    const mode = registered.mode;
    // Only the registration is serialised; the checkout happens after the lock is released.
    const git = gitIn(registered.dir, cache.settings.identity, cache.settings.gitIdleTimeoutMs);
    const worktreeGitDir = await privateGitDir(registered.dir);
    const worktree = new GitTaskWorktree(cache, registered.dir, branch, request, owner, worktreeGitDir, settings);
    try {
      const targetHead = await fetchTargetHead(git, worktreeGitDir, cache.source, request.targetBranch);
      worktree.startHead = targetHead;
      const landed = await findTaskCommits(git, request.sinceCommit ? `${request.sinceCommit}..${targetHead}` : targetHead, request.taskId);
      worktree.integratedCommit = landed[landed.length - 1];
      if (mode === 'fresh') {
        await git(['reset', '--hard', targetHead]);
      } else {
        if (mode === 'resumed') await git(['reset', '--hard', 'HEAD']);
        await abortUnfinishedRebase(worktree.context());
        const atTarget = await takeBranch(git, branch, targetHead);
        // Nothing worth keeping from the earlier attempt: start from the current target head.
        if (!atTarget && !(await worktree.hasWork(targetHead))) await git(['reset', '--hard', targetHead]);
      }
      // Before the agent starts, so it can run the tests; a landed task runs nothing.
      if (request.setupCommand !== undefined && worktree.integratedCommit === undefined) {
        const environment = await worktree.prepareEnvironment(request.setupCommand, settings.signal);
        if (!environment.ok) throw setupFailure(`in the worktree of task ${request.taskId}`, environment.run);
        worktree.environment = environment;
      }
    } catch (error) {
      try {
        await worktree.dispose();
      } catch (disposeError) {
        throw new AggregateError([error, disposeError], `opening task ${request.taskId} failed, and so did cleaning up`, {
          cause: disposeError,
        });
      }
      throw error;
    }
    return worktree;
  }

  /** Gives the worktree the dependencies its manifests call for (see `prepareCheckout`). */
  private prepareEnvironment(setupCommand: string, signal?: AbortSignal): Promise<CheckoutEnvironment> {
    return prepareCheckout(
      { dir: this.dir, git: this.git, worktreeGitDir: this.worktreeGitDir },
      {
        store: this.settings.environments,
        setupCommand,
        transcriptRef: TranscriptStore.setupLogRefFor({
          projectId: this.request.projectId,
          cycle: this.request.cycle,
          agentId: this.request.taskId,
        }),
        signal,
      },
    );
  }

  private context(): IntegrationContext {
    const setupCommand = this.request.setupCommand;
    return {
      cache: this.cache,
      git: this.git,
      dir: this.dir,
      worktreeGitDir: this.worktreeGitDir,
      taskId: this.request.taskId,
      targetBranch: this.request.targetBranch,
      settings: this.settings,
      hooks: this.settings.hooks,
      prepareEnvironment: setupCommand === undefined ? undefined : (signal) => this.prepareEnvironment(setupCommand, signal),
    };
  }

  /** Commits beyond the target or uncommitted edits. */
  private async hasWork(targetHead: string): Promise<boolean> {
    if (await hasUncommittedChanges(this.git)) return true;
    const { stdout } = await this.git(['rev-list', '--count', 'HEAD', '--not', targetHead]);
    return Number(stdout.trim()) > 0;
  }

  async changedFiles(): Promise<string[]> {
    if (this.disposed) throw new Error(`task worktree ${this.dir} was already disposed`);
    // From where the work branched off the target, so a resumed branch's earlier commits count too.
    const base = this.startHead === undefined ? 'HEAD' : (await this.git(['merge-base', this.startHead, 'HEAD'])).stdout.trim();
    const tracked = await this.git(['diff', '--name-only', '--no-renames', '-z', base, '--']);
    const untracked = await this.git(['ls-files', '--others', '--exclude-standard', '-z']);
    const paths = `${tracked.stdout}${untracked.stdout}`.split('\0').filter((p) => p !== '');
    return [...new Set(paths)].sort();
  }

  async integrate(options: IntegrateOptions): Promise<IntegrationResult> {
    if (this.disposed) throw new Error(`task worktree ${this.dir} was already disposed`);
    if (this.integratedCommit !== undefined) return { status: 'integrated', commit: this.integratedCommit };
    const result = await integrateTask(this.context(), options);
    this.lastResult = result.status;
    if (result.status === 'integrated') this.integratedCommit = result.commit;
    return result;
  }

  async submit(options: SubmitOptions): Promise<Submission> {
    if (this.disposed) throw new Error(`task worktree ${this.dir} was already disposed`);
    const submission = await submitTask(this.context(), options);
    if (submission.status === 'no_changes') this.lastResult = 'no_changes';
    return submission;
  }

  async rebaseOnTarget(options: RebaseOptions): Promise<RebaseResult> {
    if (this.disposed) throw new Error(`task worktree ${this.dir} was already disposed`);
    const result = await rebaseTaskOnTarget(this.context(), options);
    if (result.status === 'no_changes') this.lastResult = 'no_changes';
    return result;
  }

  recordLanded(commit: string): void {
    this.integratedCommit = commit;
  }

  disposeSoon(onError: (error: unknown) => void): void {
    const key = disposalKey(this.cache, this.branch);
    const done: Promise<void> = this.dispose()
      .catch(onError)
      .finally(() => {
        if (disposals.get(key) === done) disposals.delete(key);
      });
    disposals.set(key, done);
  }

  /** Empties the worktree for keeping; false leaves it to be deleted. */
  private async emptyForSpare(): Promise<boolean> {
    try {
      const at = (await readFetchHead(this.worktreeGitDir)) ?? `refs/remotes/origin/${this.request.targetBranch}`;
      await abortUnfinishedRebase(this.context());
      await emptyForSpare(this.git, this.dir, this.worktreeGitDir, at);
      return true;
    } catch (error) {
      this.settings.onWarning(`keeping the worktree of task ${this.request.taskId} for the next task failed; it is deleted`, error);
      return false;
    }
  }

  /**
   * Removes the worktree, or keeps it emptied for the next task. Work that did not land (a conflict,
   * failed tests, an error) is parked on the task branch, which is kept so a retry continues from
   * it; otherwise the branch goes too.
   */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    // Announced first, so a task opening meanwhile waits for this worktree rather than making one.
    const keeping = existsSync(this.dir) && (await hasRoomForSpare(this.cache, this.settings));
    const arrived = keeping ? spareOnItsWay(this.cache.root) : undefined;
    try {
      let keepBranch = false;
      if (existsSync(this.dir) && this.integratedCommit === undefined && this.lastResult !== 'no_changes') {
        await abortUnfinishedRebase(this.context());
        await parkUncommittedWork(this.git, this.request.taskId);
        // Work is what the branch has beyond the newest target head this worktree knows.
        const known = [`refs/remotes/origin/${this.request.targetBranch}`];
        const fetched = await readFetchHead(this.worktreeGitDir);
        if (fetched !== undefined) known.push(fetched);
        const { stdout } = await this.git(['rev-list', '--count', 'HEAD', '--not', ...known]);
        keepBranch = Number(stdout.trim()) > 0;
      }
      // Emptied for the next task where there is room, else deleted: either needs no lock (deleting
      // the files is the slow part); git then forgets the vanished worktree, or moves the kept one.
      const spare = keeping && (await this.emptyForSpare());
      if (!spare) await fs.rm(this.dir, { recursive: true, force: true });
      const kept = await retireWorktree(this.cache, keepBranch ? undefined : this.branch, spare ? this.dir : undefined);
      if (spare && !kept) {
        await fs.rm(this.dir, { recursive: true, force: true });
        await retireWorktree(this.cache, undefined);
      }
      await fs.rm(ownerFileOf(this.dir), { force: true });
    } finally {
      arrived?.();
      retireOwner(this.owner);
    }
  }
}

/**
 * Registers a task's worktree when the shared hold could not: a resumed submission to fetch, the first
 * task of a target on this machine, or what an earlier attempt left (adopted, or continued from its
 * branch). Hold the cache lock.
 */
async function registerWorktreeLocked(
  cache: RepoCache,
  request: OpenTaskRequest,
  branch: string,
  taskDir: string,
  owner: OwnerRecord,
  add: string[],
): Promise<{ dir: string; mode: OpenMode }> {
  let dir = taskDir;
  let mode: OpenMode;
  if (request.resumeFrom) await fetchSubmissionLocked(cache, branch, request);
  if (!existsSync(dir)) {
    // Still unregistered: the first task of this target on this machine, or a failed try in a shared hold.
    const created = await cache.git(add, { allowFailure: true });
    if (created.exitCode === 0) {
      await writeOwner(ownerFileOf(dir), owner);
      return { dir, mode: 'fresh' };
    }
    if (/invalid reference|not a valid/i.test(created.stderr)) {
      // First task of this target on this machine: mirror it, then register as usual.
      await cache.fetchBranchesLocked([request.targetBranch]);
      await fs.rm(dir, { recursive: true, force: true });
      await cache.git(add);
      await writeOwner(ownerFileOf(dir), owner);
      return { dir, mode: 'fresh' };
    }
    if (!/already|missing but/i.test(created.stderr)) {
      throw gitFailure(
        GitFailureType.gitFailed,
        `creating the worktree of task ${request.taskId} failed: ${created.stderr.trim().slice(0, 1_000)}`,
      );
    }
  }
  // An earlier attempt left something: adopt its worktree or continue from its branch. A worktree
  // that died mid-rebase is detached, so it is recognised by its path as well.
  const entry = (await cache.listWorktrees()).find(
    (candidate) => candidate.branch === `refs/heads/${branch}` || path.resolve(candidate.path) === dir,
  );
  if (entry && !entry.prunable && existsSync(entry.path)) {
    const current = await readOwner(ownerFileOf(entry.path));
    if (current && isOwnerAlive(current)) {
      throw gitFailure(GitFailureType.taskBusy, `task ${request.taskId} is being worked on by pid ${current.pid} on ${current.host}`);
    }
    dir = entry.path;
    mode = 'adopted';
  } else {
    if (entry) await cache.git(['worktree', 'prune']);
    // An unregistered directory here is debris from a crash mid-creation.
    await fs.rm(dir, { recursive: true, force: true });
    const existing = await cache.resolveCommit(`refs/heads/${branch}`);
    mode = existing ? 'resumed' : 'fresh';
    await cache.git(existing ? ['worktree', 'add', '--no-checkout', '--', dir, branch] : add);
  }
  await writeOwner(ownerFileOf(dir), owner);
  return { dir, mode };
}

function disposalKey(cache: RepoCache, branch: string): string {
  return `${cache.root}\0${branch}`;
}
