import { z } from 'zod';
import { SandboxSettings } from './sandbox';

const Sha = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'must be a full commit sha');
const TaskId = z.string().min(1).max(200);
/** Bounce output kept in queue state and history: the tail of a failing run is what a worker needs. */
export const maxBounceOutputChars = 4_000;

/** How a merge queue batches and retries; fixed when its run starts (signal-with-start passes them). */
export const MergeQueueSettings = z.object({
  /** At most this many tasks stacked and tested together. */
  maxBatch: z.number().int().min(1).max(256).default(16),
  /** A batch starts once `maxBatch` tasks wait, or once nobody joined for this long (at most 4 times this after the oldest joined). */
  batchDelayMs: z.number().int().min(0).max(600_000).default(2_000),
  /** The queue's run ends after this long with nothing waiting; the next enqueue starts it again. */
  idleExitMs: z
    .number()
    .int()
    .min(1_000)
    .default(10 * 60_000),
  /** Batches per run before it continues as new (sooner when the server suggests it). */
  batchesPerRun: z.number().int().min(1).max(1_000).default(200),
  /** Outcomes stay queryable this long for the task that waits on them. */
  outcomeRetentionMs: z
    .number()
    .int()
    .min(1_000)
    .default(60 * 60_000),
  /** How soon a test or land attempt on a dead worker is retried elsewhere. */
  heartbeatTimeoutSeconds: z.number().int().min(1).max(3_600).default(60),
  /** Upper bound of one test run of a stack (the test command's own limit applies inside it). */
  testTimeoutMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(60),
});
export type MergeQueueSettings = z.infer<typeof MergeQueueSettings>;

/** A project's merge queue knobs, as a worker task receives them (absent: the defaults). */
export const MergeQueueOptions = z.object({
  maxBatch: z.number().int().min(1).max(256).optional(),
  batchDelayMs: z.number().int().min(0).max(600_000).optional(),
  /** Bounces (failed tests, conflicts) a task's worker may fix and re-queue before the task fails. */
  maxRequeues: z.number().int().min(0).max(20).optional(),
});
export type MergeQueueOptions = z.infer<typeof MergeQueueOptions>;

export const defaultMaxRequeues = 3;

/** A task waiting to land: its single commit, published on the source under `ref`. */
export const QueueEntry = z.object({
  taskId: TaskId,
  /** One submission of the task; a retried or fixed task submits again under a new id. */
  requestId: z.string().min(1).max(100),
  ref: z.string().regex(/^refs\/longhaul\//, 'must be a hidden longhaul ref'),
  commit: Sha,
  /** The target head the commit was built on. */
  base: Sha,
  /**
   * The planner that holds the task while it waits here, with no worker running it: the queue signals
   * it the outcome. A bounced submission's ref then stays on the source for the fix, unless this was
   * the task's last try.
   */
  owner: z.object({ workflowId: z.string().min(1), lastTry: z.boolean() }).optional(),
});
export type QueueEntry = z.infer<typeof QueueEntry>;

export const BounceKind = z.enum(['tests_failed', 'conflict', 'missing', 'error']);
export type BounceKind = z.infer<typeof BounceKind>;

/** What the queue decided about a task; the waiting worker reads it with the `taskState` query. */
export const TaskOutcome = z.discriminatedUnion('state', [
  z.object({ state: z.literal('landed'), commit: Sha, at: z.number() }),
  z.object({ state: z.literal('no_changes'), at: z.number() }),
  z.object({
    state: z.literal('bounced'),
    requestId: z.string(),
    kind: BounceKind,
    output: z.string().max(maxBounceOutputChars + 100),
    at: z.number(),
  }),
]);
export type TaskOutcome = z.infer<typeof TaskOutcome>;

/** The queue's word to a task's owner (`QueueEntry.owner`) once it has landed, found nothing to land or bounced a submission. */
export const QueueOutcomeNotice = z.object({ taskId: TaskId, requestId: z.string().min(1), outcome: TaskOutcome });
export type QueueOutcomeNotice = z.infer<typeof QueueOutcomeNotice>;

/** Failure text kept in the queue's status: enough to tell what broke, the full tail goes to the worker. */
export const maxFailureReasonChars = 500;

/** The latest batch that did not land: which tasks were in it and why. */
export const QueueFailure = z.object({
  kind: BounceKind,
  taskIds: z.array(TaskId),
  reason: z.string().max(maxFailureReasonChars + 100),
  /** Workflow time (ms since the epoch). */
  at: z.number(),
});
export type QueueFailure = z.infer<typeof QueueFailure>;

export const TaskStateRequest = z.object({ taskId: TaskId, requestId: z.string().min(1) });
export type TaskStateRequest = z.infer<typeof TaskStateRequest>;

/** The submissions one machine waits on; a worker process runs at most a few hundred tasks at once. */
export const TaskStatesRequest = z.array(TaskStateRequest).max(2_000);

/** One task as its waiting worker sees it. `unknown`: the queue has no record, so submit again. */
export const TaskState = z.discriminatedUnion('state', [
  z.object({ state: z.literal('waiting') }),
  z.object({ state: z.literal('testing') }),
  z.object({ state: z.literal('unknown') }),
  ...TaskOutcome.options,
]);
export type TaskState = z.infer<typeof TaskState>;

/** State a run hands to the next one when it continues as new. */
export const MergeQueueCarry = z.object({
  waiting: z.array(QueueEntry),
  outcomes: z.array(z.object({ taskId: TaskId, outcome: TaskOutcome })),
  /** Tasks of a failed batch still being bisected, and the batch size they are drawn with. */
  suspects: z.array(TaskId),
  cap: z.number().int().min(1),
  /** Refs of bounced or superseded submissions, deleted from the source with the next landing. */
  staleRefs: z.array(z.string()).max(10_000).default([]),
  /** Refs of bounced submissions kept for their owners' fixes, until the task submits again or lands. */
  keptRefs: z
    .array(z.object({ taskId: TaskId, ref: z.string() }))
    .max(10_000)
    .default([]),
  totals: z.object({ landed: z.number().int(), bounced: z.number().int(), batches: z.number().int() }),
  lastFailure: QueueFailure.optional(),
});
export type MergeQueueCarry = z.infer<typeof MergeQueueCarry>;

export const MergeQueueInput = z.object({
  repo: z.string().min(1),
  targetBranch: z.string().min(1),
  testCommand: z.string().min(1),
  /** The project's setup command, run in the stack checkout when its manifests call for it. */
  setupCommand: z.string().min(1).optional(),
  /** How the project confines its commands, for the stack's setup and test run (absent: the worker's defaults). */
  sandbox: SandboxSettings.optional(),
  settings: MergeQueueSettings.prefault({}),
  carry: MergeQueueCarry.optional(),
  /** The namespace has longhaul's search attributes: the queue keeps `LonghaulPhase` up to date. */
  searchAttributes: z.boolean().optional(),
});
export type MergeQueueInput = z.input<typeof MergeQueueInput>;

export const MergeQueueStatus = z.object({
  targetBranch: z.string(),
  phase: z.enum(['idle', 'gathering', 'testing', 'landing']),
  waiting: z.array(TaskId),
  /** The batch under test now. */
  testing: z.array(TaskId),
  /** Recent outcomes (within the retention window), newest last. */
  landed: z.array(z.object({ taskId: TaskId, commit: Sha })),
  bounced: z.array(z.object({ taskId: TaskId, kind: BounceKind })),
  totals: MergeQueueCarry.shape.totals,
  /** The rest are absent from queues run by workers from before they were reported. */
  lastFailure: QueueFailure.optional(),
  /** Tasks of a failed batch still being bisected (drawn first, `batchSize` at a time). */
  bisecting: z.array(TaskId).optional(),
  /** How many tasks the next batch may hold. */
  batchSize: z.number().int().min(1).optional(),
  settings: z.object({ maxBatch: z.number().int(), batchDelayMs: z.number().int() }).optional(),
});
export type MergeQueueStatus = z.infer<typeof MergeQueueStatus>;

export const MergeQueueResult = z.object({ totals: MergeQueueCarry.shape.totals });
export type MergeQueueResult = z.infer<typeof MergeQueueResult>;

/** Build `tasks` on the target head, in order, and run the test command on the stack. */
export const TestStackRequest = z.object({
  repo: z.string().min(1),
  targetBranch: z.string().min(1),
  testCommand: z.string().min(1),
  setupCommand: z.string().min(1).optional(),
  /** The project's sandbox settings for the stack's setup and test run; the worker's defaults when absent. */
  sandbox: SandboxSettings.optional(),
  tasks: z.array(QueueEntry).min(1).max(256),
  /** The batch under test ahead of this one: stacked first and not reported, so this batch is tested on top of it. */
  after: z.array(QueueEntry).max(256).optional(),
  /** The machine's stack checkout (and stack ref) to use: a batch tested ahead of another needs its own. */
  lane: z.number().int().min(0).max(1).optional(),
});
export type TestStackRequest = z.infer<typeof TestStackRequest>;

export const StackedTask = z.discriminatedUnion('state', [
  /** On the stack as `commit`. */
  z.object({ taskId: TaskId, state: z.literal('stacked'), commit: Sha }),
  /** Its trailer is already on the target (an earlier submission landed). */
  z.object({ taskId: TaskId, state: z.literal('landed'), commit: Sha }),
  /** The target already holds the whole change. */
  z.object({ taskId: TaskId, state: z.literal('no_changes') }),
  /** Conflicts with the target head: the worker must rebase. */
  z.object({ taskId: TaskId, state: z.literal('conflict'), output: z.string() }),
  /** Conflicts only with a task stacked before it: it waits for the next batch. */
  z.object({ taskId: TaskId, state: z.literal('deferred') }),
  /** Its ref is gone from the source (superseded or cleaned up): the worker must submit again. */
  z.object({ taskId: TaskId, state: z.literal('missing') }),
]);
export type StackedTask = z.infer<typeof StackedTask>;

export const TestStackResult = z.object({
  head: Sha,
  tip: Sha,
  /** With `after`: that batch stacked on the head, which this stack is built on (and lands onto once it has landed). */
  base: Sha.optional(),
  /** Hidden ref on the source holding `tip`, so any machine can land it. */
  stackRef: z.string().optional(),
  tasks: z.array(StackedTask),
  /** Set when something was stacked and tested. */
  passed: z.boolean().optional(),
  output: z
    .string()
    .max(maxBounceOutputChars + 100)
    .optional(),
});
export type TestStackResult = z.infer<typeof TestStackResult>;

/** Compare-and-swap the target from `head` to the tested `tip`, then drop the refs that landed. */
export const LandStackRequest = z.object({
  repo: z.string().min(1),
  targetBranch: z.string().min(1),
  head: Sha,
  tip: Sha,
  stackRef: z.string().regex(/^refs\/longhaul\//),
  /** Refs of the landed tasks (and of bounced submissions), deleted from the source once the target holds them. */
  taskRefs: z.array(z.string().regex(/^refs\/longhaul\//)),
});
export type LandStackRequest = z.infer<typeof LandStackRequest>;

export const LandStackResult = z.object({ kind: z.enum(['landed', 'moved']) });
export type LandStackResult = z.infer<typeof LandStackResult>;
