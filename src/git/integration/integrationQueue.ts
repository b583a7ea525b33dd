import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { dirtyTargetFailure, localChanges } from '../source/checkoutGuard';
import { LockTimeoutError, type FileLock } from '../locks/fileLock';
import { GitFailureType, gitFailure } from '../core/gitFailures';
import { gitIn, type Git, type GitIdentity } from '../core/gitRunner';
import type { IntegrationHooks } from './integrationHooks';
import { requireSha } from '../core/names';
import { isOwnerAlive, newOwner, OwnerRecord, retireOwner } from '../locks/ownerRecord';
import { pushWithLease } from '../source/pushTarget';
import type { RepoSource } from '../source/repoSource';
import { replayCommit } from './replayCommit';
import { fetchTargetHead } from '../source/targetFetch';
import { listRange, type RangeCommit } from './taskTrailer';

/** A task commit waiting to be replayed onto the target. */
const QueueRequest = z.object({
  id: z.string().min(1),
  taskId: z.string().min(1),
  commit: z.string().min(1),
  /** The target head the commit was built on. */
  parent: z.string().min(1),
  message: z.string(),
  identity: z.object({ name: z.string(), email: z.string() }),
  owner: OwnerRecord,
});
type QueueRequest = z.infer<typeof QueueRequest>;

const QueueOutcome = z.discriminatedUnion('kind', [
  /** Replayed and pushed as `commit`. */
  z.object({ kind: z.literal('landed'), commit: z.string() }),
  /** An earlier attempt of the task had already landed as `commit`. */
  z.object({ kind: z.literal('already'), commit: z.string() }),
  /** The target already contains the whole change. */
  z.object({ kind: z.literal('empty') }),
  /** Conflicts with the target: the task must rebase in its worktree (and maybe ask its resolver). */
  z.object({ kind: z.literal('needs_worktree') }),
]);
export type QueueOutcome = z.infer<typeof QueueOutcome>;

/** What the process leading a batch works with: its own task's worktree and settings. */
export interface QueueLeader {
  /** git in the leader's worktree (FETCH_HEAD and scratch files go to its private git dir). */
  git: Git;
  dir: string;
  worktreeGitDir: string;
  taskId: string;
  /** The user's working tree holding the target, if the target is checked out there. */
  checkedOutAt?: string;
  hooks?: IntegrationHooks;
}

export interface QueueSettings {
  source: RepoSource;
  targetBranch: string;
  maxPushAttempts: number;
  /** At most this many tasks per push. */
  maxBatch: number;
}

const requestSuffix = '.request.json';
const outcomeSuffix = '.outcome.json';

async function writeAtomically(file: string, data: unknown): Promise<void> {
  const tmp = `${file}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(data));
  await fs.rename(tmp, file);
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Batches integrations onto one target among the processes of a machine. Each task files a request
 * (its commit, the head it was built on, its message) and takes the per-target lock; whoever holds
 * the lock replays every pending request onto the fetched head in the object database (no worktree is
 * touched), pushes the whole chain with one compare-and-swap, and writes each request's outcome. A
 * task that finds its outcome written when its turn comes just reads it. Under contention a push
 * carries many tasks instead of one, and a leader that crashes mid-batch leaves requests that the
 * next lock holder processes again (a landed trailer is recognised, so nothing lands twice).
 */
export class IntegrationQueue {
  constructor(
    private readonly dir: string,
    private readonly lock: FileLock,
    private readonly settings: QueueSettings,
  ) {}

  async submit(
    leader: QueueLeader,
    task: { taskId: string; commit: string; parent: string; message: string; identity: GitIdentity },
    signal?: AbortSignal,
  ): Promise<QueueOutcome> {
    await fs.mkdir(this.dir, { recursive: true });
    const owner = newOwner();
    const request: QueueRequest = { id: owner.token, ...task, owner };
    const requestFile = path.join(this.dir, `${request.id}${requestSuffix}`);
    const outcomeFile = path.join(this.dir, `${request.id}${outcomeSuffix}`);
    try {
      await writeAtomically(requestFile, request);
      let held;
      try {
        held = await this.lock.acquire(signal);
      } catch (error) {
        if (error instanceof LockTimeoutError) throw gitFailure(GitFailureType.lockTimeout, error.message, error);
        throw error;
      }
      try {
        let outcome = await this.readOutcome(outcomeFile);
        if (outcome === undefined) {
          await this.lead(leader, signal);
          outcome = await this.readOutcome(outcomeFile);
        }
        if (outcome === undefined) throw new Error(`integration batch left no outcome for task ${task.taskId}`);
        return outcome;
      } finally {
        await held.release();
      }
    } finally {
      retireOwner(owner);
      await fs.rm(requestFile, { force: true });
      await fs.rm(outcomeFile, { force: true });
    }
  }

  private async readOutcome(file: string): Promise<QueueOutcome | undefined> {
    const raw = await readJson(file);
    return raw === undefined ? undefined : QueueOutcome.parse(raw);
  }

  /** Pending requests of live owners, oldest first; requests of dead owners are dropped. */
  private async pending(): Promise<QueueRequest[]> {
    const requests: { request: QueueRequest; mtime: number }[] = [];
    for (const name of await fs.readdir(this.dir)) {
      if (!name.endsWith(requestSuffix)) continue;
      const file = path.join(this.dir, name);
      const outcomeFile = file.slice(0, -requestSuffix.length) + outcomeSuffix;
      if ((await readJson(outcomeFile)) !== undefined) continue;
      const parsed = QueueRequest.safeParse(await readJson(file));
      if (!parsed.success || !isOwnerAlive(parsed.data.owner)) {
        // A crashed task's request: its retry files a new one.
        await fs.rm(file, { force: true });
        continue;
      }
      const stat = await fs.stat(file).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (stat) requests.push({ request: parsed.data, mtime: stat.mtimeMs });
    }
    return requests
      .sort((a, b) => a.mtime - b.mtime)
      .slice(0, this.settings.maxBatch)
      .map((entry) => entry.request);
  }

  /** Replays and pushes every pending request; holds the lock. */
  private async lead(leader: QueueLeader, signal?: AbortSignal): Promise<void> {
    const requests = await this.pending();
    const { source, targetBranch } = this.settings;
    for (let attempt = 1; attempt <= this.settings.maxPushAttempts; attempt++) {
      signal?.throwIfAborted();
      const head = await fetchTargetHead(leader.git, leader.worktreeGitDir, source, targetBranch, signal);
      let tip = head;
      // Looked up only when a replay needs it.
      let tipTree: string | undefined;
      const outcomes = new Map<string, QueueOutcome>();
      /** Requests riding on this push, with the commit each lands as. */
      const carried: { request: QueueRequest; commit: string }[] = [];
      const ranges = new Map<string, RangeCommit[]>();
      const messageFile = path.join(leader.worktreeGitDir, 'LONGHAUL_REPLAY_MSG');
      for (const request of requests) {
        if (request.parent !== head) {
          let range = ranges.get(request.parent);
          if (range === undefined) {
            range = await listRange(leader.git, `${request.parent}..${head}`);
            ranges.set(request.parent, range);
          }
          const earlier = range.filter((entry) => entry.taskIds.includes(request.taskId));
          if (earlier.length > 0) {
            outcomes.set(request.id, { kind: 'already', commit: earlier[earlier.length - 1].sha });
            continue;
          }
        }
        if (request.parent === tip) {
          // Built right on the current tip: it lands as it is.
          tip = request.commit;
          tipTree = undefined;
          carried.push({ request, commit: tip });
          continue;
        }
        tipTree ??= requireSha((await leader.git(['rev-parse', '--verify', `${tip}^{tree}`])).stdout, 'the tip tree');
        await fs.writeFile(messageFile, request.message);
        const replay = await replayCommit(gitIn(leader.dir, request.identity), request.commit, tip, tipTree, messageFile);
        if (replay.kind === 'replayed') {
          tip = replay.commit;
          tipTree = replay.tree;
          carried.push({ request, commit: tip });
        } else {
          outcomes.set(request.id, { kind: replay.kind });
        }
      }
      if (carried.length > 0) {
        const mine = carried.find((entry) => entry.request.taskId === leader.taskId)?.request;
        if (mine) await leader.hooks?.beforePush?.({ taskId: mine.taskId, commit: tip, attempt });
        if (leader.checkedOutAt !== undefined) {
          const changes = await localChanges(leader.checkedOutAt, carried[0].request.identity);
          if (changes.length > 0) throw dirtyTargetFailure(targetBranch, leader.checkedOutAt, changes);
        }
        const pushed = await pushWithLease({
          git: leader.git,
          source,
          commit: tip,
          targetBranch,
          expected: head,
          updateCheckout: leader.checkedOutAt !== undefined,
          signal,
        });
        if (pushed.kind === 'refused_checkout') {
          throw dirtyTargetFailure(targetBranch, leader.checkedOutAt ?? source.original, [pushed.reason]);
        }
        if (pushed.kind === 'race') {
          // Another machine moved the target: rebuild the chain on its new head.
          await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2_000, 20 * 2 ** attempt)));
          continue;
        }
        for (const entry of carried) outcomes.set(entry.request.id, { kind: 'landed', commit: entry.commit });
      }
      for (const [id, outcome] of outcomes) {
        await writeAtomically(path.join(this.dir, `${id}${outcomeSuffix}`), outcome);
      }
      return;
    }
    throw gitFailure(
      GitFailureType.pushRaceExhausted,
      `target "${targetBranch}" kept moving: a batch led by task ${leader.taskId} did not land after ${this.settings.maxPushAttempts} attempts`,
    );
  }
}
