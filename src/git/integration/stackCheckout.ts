import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { GitFailureType, gitFailure } from '../core/gitFailures';
import { gitIn, type Git } from '../core/gitRunner';
import { shortHash } from '../core/names';
import { FileLock, LockTimeoutError, type HeldLock } from '../locks/fileLock';
import type { RepoCache } from '../source/repoCache';
import { fetchTargetHead } from '../source/targetFetch';
import type { EnvironmentStore } from '../../environment/environmentStore';
import { prepareCheckout, type CheckoutEnvironment } from '../../environment/prepareCheckout';
import { setupFailure } from '../../environment/setupFailure';
import { TranscriptStore } from '../../state/transcriptStore';
import type { SandboxSettings } from '../../schemas/sandbox';

/** Stack checkouts per target: lane 0 for the batch under test, lane 1 for the batch tested on top of it. */
const laneSuffixes = ['', '-1'] as const;
const stackLaneCount = laneSuffixes.length;

export interface StackCheckout {
  targetBranch: string;
  dir: string;
  git: Git;
  gitDir: string;
}

function laneName(targetBranch: string, lane: number): string {
  return `${shortHash(targetBranch, 16)}${laneSuffixes[lane] ?? ''}`;
}

function laneLock(cache: RepoCache, targetBranch: string, lane: number, timeoutMs: number): FileLock {
  return new FileLock(path.join(cache.root, 'locks', `stack-${laneName(targetBranch, lane)}.lock`), { timeoutMs });
}

/** Takes the lane's lock: one batch at a time uses a stack checkout. Lock timeouts become retryable failures. */
export async function lockStackLane(cache: RepoCache, targetBranch: string, lane: number, signal?: AbortSignal): Promise<HeldLock> {
  try {
    return await laneLock(cache, targetBranch, lane, cache.settings.lockTimeoutMs).acquire(signal);
  } catch (error) {
    if (error instanceof LockTimeoutError) throw gitFailure(GitFailureType.lockTimeout, error.message, error);
    throw error;
  }
}

/**
 * The machine's checkout where stacks are tested, one per target branch and lane, reused across
 * batches so the project's dependencies installed there survive from one batch to the next. Hold the
 * lane's lock. It is a clone of the cache (objects hardlinked) fetching from the source, not a
 * worktree of it: registering a worktree waits for the cache lock, which a busy machine's task
 * worktrees keep taking, and the queue is what every task waits on. (Older machines' stack
 * checkouts are worktrees; they keep working.)
 */
export async function openStackCheckout(cache: RepoCache, targetBranch: string, lane: number): Promise<StackCheckout> {
  const dir = path.join(cache.root, 'stacks', laneName(targetBranch, lane));
  const git = gitIn(dir, cache.settings.identity, cache.settings.gitIdleTimeoutMs);
  if (!existsSync(path.join(dir, '.git'))) {
    // Made aside and renamed into place, so a crash never leaves a half-made checkout in use.
    const staging = `${dir}.staging`;
    await fs.rm(staging, { recursive: true, force: true });
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(path.dirname(dir), { recursive: true });
    const parent = gitIn(path.dirname(dir), cache.settings.identity, cache.settings.gitIdleTimeoutMs);
    await parent(['clone', '--quiet', '--local', '--no-checkout', '--', cache.gitDir, staging]);
    const staged = gitIn(staging, cache.settings.identity, cache.settings.gitIdleTimeoutMs);
    await staged(['remote', 'set-url', 'origin', cache.source.url]);
    await staged(['config', 'gc.auto', '0']);
    await staged(['config', 'maintenance.auto', 'false']);
    await fs.rename(staging, dir);
  }
  const gitDir = path.resolve(dir, (await git(['rev-parse', '--git-dir'])).stdout.trim());
  return { targetBranch, dir, git, gitDir };
}

/** Where a stack checkout's setup output goes. */
function stackSetupLogRef(targetBranch: string): string {
  return TranscriptStore.setupLogRefFor({ projectId: 'merge-queue', cycle: 0, agentId: shortHash(targetBranch, 16) });
}

export interface StackEnvironment {
  store: EnvironmentStore;
  setupCommand: string;
  sandbox?: SandboxSettings;
  signal?: AbortSignal;
}

/** Checks `commit` out in the stack checkout, clean, and gives it the project's dependencies. */
export async function checkOutStack(
  checkout: StackCheckout,
  commit: string,
  environment: StackEnvironment | undefined,
): Promise<CheckoutEnvironment | undefined> {
  await checkout.git(['checkout', '--force', '--detach', commit]);
  await checkout.git(['clean', '-fd']);
  if (environment === undefined) return undefined;
  return prepareCheckout(
    { dir: checkout.dir, git: checkout.git, worktreeGitDir: checkout.gitDir },
    {
      store: environment.store,
      setupCommand: environment.setupCommand,
      ...(environment.sandbox ? { sandbox: environment.sandbox } : {}),
      transcriptRef: stackSetupLogRef(checkout.targetBranch),
      ...(environment.signal ? { signal: environment.signal } : {}),
    },
  );
}

export interface ReadyStacksRequest {
  targetBranch: string;
  /** The cycle's start commit, which the cache has. */
  commit: string;
  environment?: StackEnvironment;
}

/**
 * Readies this machine's stack checkouts of a target at `commit`, so the cycle's first batch does not
 * wait for a clone, a full checkout and the dependencies while every task competes for the machine.
 * A lane busy with a batch is left alone: it is ready already. A setup that fails there fails the
 * cycle's preparation, as every batch would fail the same way.
 */
export async function readyStackCheckouts(cache: RepoCache, request: ReadyStacksRequest): Promise<void> {
  await Promise.all(
    Array.from({ length: stackLaneCount }, async (_, lane) => {
      let held: HeldLock;
      try {
        held = await laneLock(cache, request.targetBranch, lane, 1_000).acquire(request.environment?.signal);
      } catch (error) {
        if (error instanceof LockTimeoutError) return;
        throw error;
      }
      try {
        const checkout = await openStackCheckout(cache, request.targetBranch, lane);
        // A clone made before this cycle lacks the commit: the source has it.
        const present = await checkout.git(['cat-file', '-e', `${request.commit}^{commit}`], { allowFailure: true });
        if (present.exitCode !== 0)
          await fetchTargetHead(checkout.git, checkout.gitDir, cache.source, request.targetBranch, request.environment?.signal);
        const environment = await checkOutStack(checkout, request.commit, request.environment);
        // Every batch would fail the same way: better once, here, with the output.
        if (environment && !environment.ok)
          throw setupFailure(`in the merge queue's stack checkout at ${request.commit.slice(0, 12)}`, environment.run);
      } finally {
        await held.release();
      }
    }),
  );
}
