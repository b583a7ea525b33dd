import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EnvironmentStore } from '../environment/environmentStore';
import { prepareCheckout } from '../environment/prepareCheckout';
import { setupFailure } from '../environment/setupFailure';
import { readyStackCheckouts } from './integration/stackCheckout';
import { TranscriptStore } from '../state/transcriptStore';
import { guardTargetCheckout } from './source/checkoutGuard';
import { GitFailureType, gitFailure } from './core/gitFailures';
import { defaultIdentity, gitIn, type GitIdentity } from './core/gitRunner';
import type { IntegrationHooks } from './integration/integrationHooks';
import { countTaskCommits, listTaskCommits } from './integration/taskTrailer';
import { pushWithLease } from './source/pushTarget';
import { ReadOnlyViews } from './worktree/readOnlyView';
import { RepoCache } from './source/repoCache';
import { parseRepoSource, type RepoSource } from './source/repoSource';
import { cleanStale } from './worktree/staleCleanup';
import { landStack } from './integration/stackLanding';
import { testStack } from './integration/stackTest';
import {
  LandStackRequest as LandStackRequestSchema,
  TestStackRequest as TestStackRequestSchema,
  type LandStackRequest,
  type LandStackResult,
  type TestStackRequest,
  type TestStackResult,
} from '../schemas/mergeQueue';
import { createSandboxes } from '../sandbox/createSandboxes';
import type { Sandboxes } from '../sandbox/sandboxes';
import { privateGitDir } from './worktree/privateGitDir';
import { GitTaskWorktree } from './worktree/taskWorktree';
import type {
  LandedTaskCommits,
  LandedTaskCommitsRequest,
  MergeQueueGit,
  OpenTaskRequest,
  PreparedCycle,
  ReadOnlyView,
  ReadOnlyViewRequest,
  TaskWorktree,
  Workspace,
} from './workspaceContract';
import {
  LandedTaskCommitsRequestSchema,
  OpenTaskRequestSchema,
  parseRequest,
  ReadOnlyViewRequestSchema,
  TargetHeadRequestSchema,
} from './workspaceRequests';
import { PrepareCycleInput } from '../schemas/prepareCycle';

export interface GitWorkspaceOptions {
  /** Root of this machine's caches; default `LONGHAUL_WORKDIR`, else `<XDG cache dir>/longhaul`. */
  workdir?: string;
  /** Author and committer of task commits. */
  identity?: GitIdentity;
  /** How long to wait for a cache or integration lock before a retryable failure. */
  lockTimeoutMs?: number;
  /** Kill a git process silent this long (a hung fetch or push). */
  gitIdleTimeoutMs?: number;
  /** Integration rounds lost to a moving target before a retryable failure. */
  maxPushAttempts?: number;
  testTimeoutMs?: number;
  /** Time limit of one run of a project's setup command. */
  setupTimeoutMs?: number;
  /** Cap on the setup output carried by a failure (its transcript has all of it). */
  setupOutputChars?: number;
  /** Where setup output goes (`transcripts/<project>/cycle-<n>/setup-<checkout>.log`). */
  transcripts?: TranscriptStore;
  /** Cap on the test output returned with `tests_failed`. */
  testOutputChars?: number;
  conflictDetailsChars?: number;
  /** How many worktrees of ended tasks a cache keeps, emptied, for the next tasks (0: none). */
  spareWorktrees?: number;
  /** How long a kept worktree nobody took is kept. */
  spareIdleMs?: number;
  /** How long a dead process's task worktree waits for a retry to adopt it. */
  staleWorktreeMs?: number;
  /** Age after which a parked task branch is deleted. */
  staleBranchMs?: number;
  /** How long a prepared setup nobody copied from is kept (one per manifest hash; each holds a full install). */
  environmentIdleMs?: number;
  /** How long an unused read-only view is kept for the next reader. */
  viewIdleMs?: number;
  /** Minimum time between stale-state sweeps of a cache by this process. */
  cleanupIntervalMs?: number;
  /** Instrumentation points inside integration (tests use them to simulate crashes). */
  hooks?: IntegrationHooks;
  /** Where problems that must not fail the caller (a failed sweep) are reported. */
  onWarning?: (message: string, error: unknown) => void;
  /** How the test command runs; by default bubblewrap, with the workdir hidden from it. */
  sandboxes?: Sandboxes;
}

export function defaultWorkdir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LONGHAUL_WORKDIR) return path.resolve(env.LONGHAUL_WORKDIR);
  const cacheHome = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return path.join(cacheHome, 'longhaul');
}

interface CacheEntry {
  cache: RepoCache;
  views: ReadOnlyViews;
  environments: EnvironmentStore;
  lastCleanup: number;
}

/**
 * The git side of longhaul on one worker machine: a shared cache clone per repository, a worktree per
 * task, read-only views per commit, and compare-and-swap integration onto the target branch of the
 * source repository.
 */
export class GitWorkspace implements Workspace, MergeQueueGit {
  private readonly settings: Required<Omit<GitWorkspaceOptions, 'hooks' | 'workdir' | 'transcripts'>> & {
    hooks?: IntegrationHooks;
  };
  private readonly workdirOption: string;
  private readonly transcripts: TranscriptStore;
  private workdir?: Promise<string>;
  private readonly caches = new Map<string, Promise<CacheEntry>>();

  constructor(options: GitWorkspaceOptions = {}) {
    this.workdirOption = options.workdir ?? defaultWorkdir();
    this.transcripts = options.transcripts ?? new TranscriptStore();
    this.settings = {
      identity: options.identity ?? defaultIdentity,
      lockTimeoutMs: options.lockTimeoutMs ?? 5 * 60_000,
      gitIdleTimeoutMs: options.gitIdleTimeoutMs ?? 10 * 60_000,
      maxPushAttempts: options.maxPushAttempts ?? 12,
      testTimeoutMs: options.testTimeoutMs ?? 30 * 60_000,
      setupTimeoutMs: options.setupTimeoutMs ?? 30 * 60_000,
      setupOutputChars: options.setupOutputChars ?? 20_000,
      testOutputChars: options.testOutputChars ?? 20_000,
      conflictDetailsChars: options.conflictDetailsChars ?? 8_000,
      spareWorktrees: options.spareWorktrees ?? 16,
      spareIdleMs: options.spareIdleMs ?? 3_600_000,
      staleWorktreeMs: options.staleWorktreeMs ?? 6 * 3_600_000,
      staleBranchMs: options.staleBranchMs ?? 14 * 24 * 3_600_000,
      viewIdleMs: options.viewIdleMs ?? 15 * 60_000,
      environmentIdleMs: options.environmentIdleMs ?? 24 * 3_600_000,
      cleanupIntervalMs: options.cleanupIntervalMs ?? 10 * 60_000,
      onWarning:
        options.onWarning ??
        ((message, error) => console.warn(`longhaul git: ${message}: ${error instanceof Error ? error.message : String(error)}`)),
      hooks: options.hooks,
      sandboxes: options.sandboxes ?? createSandboxes({ hide: [this.workdirOption] }),
    };
  }

  async prepareCycle(request: PrepareCycleInput, signal?: AbortSignal): Promise<PreparedCycle> {
    const req = parseRequest(PrepareCycleInput, request, 'prepareCycle');
    const source = parseRepoSource(req.repo);
    const entry = await this.entryFor(source);
    const cache = entry.cache;
    await this.sweep(entry);
    const wanted = [...new Set([req.targetBranch, ...(req.baseBranch ? [req.baseBranch] : [])])];
    const refs = await cache.remoteRefs(wanted);
    // Refuse before anything lands if the target is the user's checked-out branch with local changes.
    await guardTargetCheckout(source, req.targetBranch, this.settings.identity);
    const namedBase = req.baseBranch ?? refs.headBranch;
    const baseSha = req.baseBranch ? refs.branches.get(req.baseBranch) : refs.headBranch ? refs.headSha : undefined;

    if (!refs.branches.has(req.targetBranch)) {
      // The base matters only when the target has to be created from it.
      if (namedBase === undefined) {
        throw gitFailure(
          GitFailureType.missingBaseBranch,
          `"${source.original}" has no current branch (empty repository or detached HEAD); name a baseBranch`,
        );
      }
      if (baseSha === undefined) {
        throw gitFailure(GitFailureType.missingBaseBranch, `base branch "${namedBase}" does not exist in "${source.original}"`);
      }
      await cache.withLock(() => cache.fetchBranchesLocked([namedBase], GitFailureType.missingBaseBranch));
      const created = await pushWithLease({
        git: cache.git,
        source,
        commit: baseSha,
        targetBranch: req.targetBranch,
        expected: null,
        updateCheckout: false,
      });
      // A race means another worker created it first, which is just as good.
      if (created.kind === 'refused_checkout') {
        throw gitFailure(GitFailureType.dirtyTargetBranch, `cannot create "${req.targetBranch}": ${created.reason}`);
      }
    }
    const mirrored = [req.targetBranch, ...(namedBase && baseSha && namedBase !== req.targetBranch ? [namedBase] : [])];
    await cache.withLock(() => cache.fetchBranchesLocked(mirrored, GitFailureType.missingTargetBranch));
    const baseCommit = await cache.mirroredHead(req.targetBranch);
    if (baseCommit === undefined) {
      throw gitFailure(GitFailureType.missingTargetBranch, `target branch "${req.targetBranch}" vanished while preparing`);
    }
    // "HEAD" stands for a detached source HEAD once the target exists and no base was named.
    const baseBranch = namedBase ?? 'HEAD';
    const cycle: PreparedCycle = { baseBranch, targetBranch: req.targetBranch, baseCommit };
    if (req.setupCommand !== undefined) {
      // Once per cycle (and per manifest hash on this machine), so a broken setup fails here, once.
      const prepared = await entry.environments.prepare(baseCommit, {
        setupCommand: req.setupCommand,
        transcriptRef: TranscriptStore.setupLogRefFor({ projectId: req.projectId, cycle: req.cycle, agentId: 'cycle' }),
        signal,
      });
      if (!prepared.ok) throw setupFailure(`preparing cycle ${req.cycle} on a clean checkout of ${baseCommit.slice(0, 12)}`, prepared.run);
      cycle.environment = {
        manifestHash: prepared.entry.manifestHash,
        ranSetup: prepared.ranSetup,
        transcriptRef: prepared.entry.transcriptRef,
      };
    }
    if (req.stackCheckouts) {
      const environment =
        req.setupCommand === undefined ? undefined : { store: entry.environments, setupCommand: req.setupCommand, signal };
      await readyStackCheckouts(cache, { targetBranch: req.targetBranch, commit: baseCommit, environment });
    }
    return cycle;
  }

  async openReadOnlyView(request: ReadOnlyViewRequest, signal?: AbortSignal): Promise<ReadOnlyView> {
    const req = parseRequest(ReadOnlyViewRequestSchema, request, 'openReadOnlyView');
    const entry = await this.entryFor(parseRepoSource(req.repo));
    await this.sweep(entry);
    const view = await entry.views.open(req.commit.toLowerCase());
    if (req.environment === undefined) return view;
    try {
      const { setupCommand, cycle, reader } = req.environment;
      const environment = await prepareCheckout(
        { dir: view.dir, git: gitIn(view.dir, this.settings.identity), worktreeGitDir: await privateGitDir(view.dir) },
        {
          store: entry.environments,
          setupCommand,
          transcriptRef: TranscriptStore.setupLogRefFor({ projectId: req.projectId, cycle, agentId: reader }),
          signal,
        },
      );
      if (!environment.ok) throw setupFailure(`in the view of ${req.commit.slice(0, 12)} for ${reader}`, environment.run);
      return { ...view, environment };
    } catch (error) {
      await view.release();
      throw error;
    }
  }

  async openTask(request: OpenTaskRequest, signal?: AbortSignal): Promise<TaskWorktree> {
    const req = parseRequest(OpenTaskRequestSchema, request, 'openTask');
    const entry = await this.entryFor(parseRepoSource(req.repo));
    await this.sweep(entry);
    return GitTaskWorktree.open(entry.cache, req, {
      environments: entry.environments,
      signal,
      maxPushAttempts: this.settings.maxPushAttempts,
      testTimeoutMs: this.settings.testTimeoutMs,
      testOutputChars: this.settings.testOutputChars,
      conflictDetailsChars: this.settings.conflictDetailsChars,
      hooks: this.settings.hooks,
      sandboxes: this.settings.sandboxes,
      spareWorktrees: this.settings.spareWorktrees,
      onWarning: this.settings.onWarning,
    });
  }

  async targetHead(request: { projectId: string; repo: string; targetBranch: string }): Promise<string> {
    const req = parseRequest(TargetHeadRequestSchema, request, 'targetHead');
    const { cache } = await this.entryFor(parseRepoSource(req.repo));
    const refs = await cache.remoteRefs([req.targetBranch]);
    const head = refs.branches.get(req.targetBranch);
    if (head === undefined) {
      throw gitFailure(GitFailureType.missingTargetBranch, `target branch "${req.targetBranch}" does not exist in "${req.repo}"`);
    }
    return head;
  }

  async landedTaskCommits(request: LandedTaskCommitsRequest): Promise<LandedTaskCommits> {
    const req = parseRequest(LandedTaskCommitsRequestSchema, request, 'landedTaskCommits');
    const { cache } = await this.entryFor(parseRepoSource(req.repo));
    const resolveBoth = () => Promise.all([cache.resolveCommit(req.sinceCommit), cache.resolveCommit(req.untilCommit)]);
    let [since, until] = await resolveBoth();
    if (since === undefined || until === undefined) {
      // A head another worker landed is not in this machine's cache yet.
      await cache.withLock(() => cache.fetchAllLocked());
      [since, until] = await resolveBoth();
    }
    if (since === undefined || until === undefined) {
      const missing = since === undefined ? req.sinceCommit : req.untilCommit;
      throw gitFailure(GitFailureType.unknownCommit, `commit ${missing} is not in any branch of "${cache.source.original}"`);
    }
    const maxCommits = 100;
    const commits = await listTaskCommits(cache.git, `${since}..${until}`, { maxCommits, maxFiles: 12 });
    const total = commits.length < maxCommits ? commits.length : await countTaskCommits(cache.git, `${since}..${until}`);
    return { commits, total };
  }

  async testStack(request: TestStackRequest, signal?: AbortSignal): Promise<TestStackResult> {
    const req = parseRequest(TestStackRequestSchema, request, 'testStack');
    const { cache, environments } = await this.entryFor(parseRepoSource(req.repo));
    const settings = {
      testTimeoutMs: this.settings.testTimeoutMs,
      testOutputChars: this.settings.testOutputChars,
      // The project's confinement, which reached the queue with its first task.
      sandboxing: this.settings.sandboxes.for('commands', req.sandbox),
      environments,
    };
    return testStack(cache, req, settings, signal);
  }

  async landStack(request: LandStackRequest, signal?: AbortSignal): Promise<LandStackResult> {
    const req = parseRequest(LandStackRequestSchema, request, 'landStack');
    const { cache } = await this.entryFor(parseRepoSource(req.repo));
    return landStack(cache, req, signal);
  }

  /** Removes what crashed processes left behind, at most once per interval per cache. */
  async sweepNow(repo: string): Promise<void> {
    const entry = await this.entryFor(parseRepoSource(repo));
    entry.lastCleanup = Date.now();
    await cleanStale(entry.cache, entry.views, entry.environments, this.settings);
  }

  private async sweep(entry: CacheEntry): Promise<void> {
    if (Date.now() - entry.lastCleanup < this.settings.cleanupIntervalMs) return;
    entry.lastCleanup = Date.now();
    try {
      // One sweep per interval per machine, not per process: the stamp file is shared.
      const stamp = path.join(entry.cache.root, 'last-sweep');
      const last = await fs.stat(stamp).then(
        (stat) => stat.mtimeMs,
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return 0;
          throw error;
        },
      );
      if (Date.now() - last < this.settings.cleanupIntervalMs) return;
      await fs.writeFile(stamp, `${process.pid}\n`);
      await cleanStale(entry.cache, entry.views, entry.environments, this.settings);
    } catch (error) {
      // Leftovers only cost disk space; the task at hand must not fail because of them.
      this.settings.onWarning(`cleaning stale worktrees in ${entry.cache.root} failed`, error);
    }
  }

  private resolvedWorkdir(): Promise<string> {
    this.workdir ??= (async () => {
      await fs.mkdir(this.workdirOption, { recursive: true });
      // Git reports worktree paths resolved; compare like with like.
      return fs.realpath(this.workdirOption);
    })();
    return this.workdir;
  }

  private entryFor(source: RepoSource): Promise<CacheEntry> {
    let entry = this.caches.get(source.key);
    if (entry === undefined) {
      entry = (async () => {
        const cache = await RepoCache.open(await this.resolvedWorkdir(), source, {
          identity: this.settings.identity,
          gitIdleTimeoutMs: this.settings.gitIdleTimeoutMs,
          lockTimeoutMs: this.settings.lockTimeoutMs,
        });
        const environments = new EnvironmentStore(cache, {
          setupTimeoutMs: this.settings.setupTimeoutMs,
          setupOutputChars: this.settings.setupOutputChars,
          transcripts: this.transcripts,
          sandboxes: this.settings.sandboxes,
        });
        return { cache, views: new ReadOnlyViews(cache, this.settings.viewIdleMs), environments, lastCleanup: 0 };
      })();
      // A failed open (unreachable repo) must not be remembered.
      entry.catch(() => this.caches.delete(source.key));
      this.caches.set(source.key, entry);
    }
    return entry;
  }
}
