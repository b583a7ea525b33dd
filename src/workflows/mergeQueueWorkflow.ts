import {
  ActivityCancellationType,
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/createActivities';
import {
  maxBounceOutputChars,
  maxFailureReasonChars,
  MergeQueueInput as MergeQueueInputSchema,
  QueueEntry as QueueEntrySchema,
  TaskStateRequest as TaskStateRequestSchema,
  TaskStatesRequest,
  type BounceKind,
  type MergeQueueInput,
  type MergeQueueResult,
  type MergeQueueStatus,
  type QueueEntry,
  type QueueFailure,
  type TaskOutcome,
  type TaskState,
  type TaskStateRequest,
  type TestStackResult,
} from '../schemas/mergeQueue';
import { parseInput } from '../schemas/parseInput';
import { describeFailure } from './describeFailure';
import {
  enqueueSignal,
  mergeQueueStatusQuery,
  queueOutcomeSignal,
  taskStateQuery,
  taskStatesQuery,
} from '../contract/messages/mergeQueueMessages';
import { mergeQueueTaskQueue } from '../contract/taskQueues';
import { parseSignal } from './parseSignal';
import { phaseRecorder } from './visibility';

type Activities = ReturnType<typeof createActivities>;

/** Outcomes carried to the next run at most; older ones are re-derived from git if asked again. */
const maxCarriedOutcomes = 2_000;
/** The oldest waiting task starts a batch at most this many batch delays after it arrived. */
const maxGatherDelays = 4;
/** Task ids listed per state in the Web UI's details. */
const listedIds = 12;
/** Queues that signal a parked task's owner its outcome (`QueueEntry.owner`) carry this patch. */
export const queueNotifiesOwnersPatch = 'queue-notifies-owners';
/** Queues that keep `LonghaulPhase` up to date (where the namespace has the attribute) carry this patch. */
export const queuePhaseAttributePatch = 'queue-phase-attribute';
/** Queues that test the next batch on top of the one under test, and land it right after, carry this patch. */
export const queueTestsAheadPatch = 'queue-tests-ahead';

function tail(text: string, max = maxBounceOutputChars): string {
  return text.length <= max ? text : `[…]\n${text.slice(-max)}`;
}

/**
 * The merge queue of one target branch: an entity workflow that owns who waits, stacks a batch of
 * waiting tasks on the target head, tests the stack once and lands it with one compare-and-swap
 * (both as activities on `<queue>-merge`). A failing batch is bisected: its tasks are drawn again in
 * halves, ahead of everyone else, until each culprit is tested alone and bounced to its worker with
 * the output; the rest land. Conflicts with the head bounce too; a conflict with a batch-mate only
 * waits for the next batch. The source's target branch stays the truth: a retried test finds tasks
 * already landed by their trailers, so each lands exactly once however often anything is retried.
 * Ends when idle (signal-with-start brings it back) and continues as new to keep its history short.
 */
export async function mergeQueueWorkflow(raw: MergeQueueInput): Promise<MergeQueueResult> {
  const input = parseInput(MergeQueueInputSchema, raw, 'merge queue input');
  const { settings } = input;
  const { testStack, landStack } = proxyActivities<Activities>({
    taskQueue: mergeQueueTaskQueue(workflowInfo().taskQueue),
    startToCloseTimeout: `${settings.testTimeoutMinutes + 10} minutes`,
    heartbeatTimeout: settings.heartbeatTimeoutSeconds * 1_000,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    // Retryable failures (an unreachable source, a lost worker) are retried until they pass: the
    // tasks wait on this batch. Non-retryable ones bounce the batch with the reason.
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });

  const waiting: QueueEntry[] = [...(input.carry?.waiting ?? [])];
  let testing: QueueEntry[] = [];
  const outcomes = new Map<string, TaskOutcome>((input.carry?.outcomes ?? []).map((entry) => [entry.taskId, entry.outcome]));
  const suspects = new Set<string>(input.carry?.suspects ?? []);
  let cap = input.carry?.cap ?? settings.maxBatch;
  let staleRefs: string[] = [...(input.carry?.staleRefs ?? [])];
  /** Bounced submissions' refs, kept while their owners fix them (the fix starts from the commit). */
  const keptRefs = new Map<string, string>((input.carry?.keptRefs ?? []).map((kept) => [kept.taskId, kept.ref]));
  /** Outcome signals to owners still on their way; awaited before the run ends. */
  const notices = new Set<Promise<void>>();
  const totals = { ...(input.carry?.totals ?? { landed: 0, bounced: 0, batches: 0 }) };
  /** The latest batch that did not land, for status and the Web UI (state only: no command depends on it). */
  let lastFailure: QueueFailure | undefined = input.carry?.lastFailure;
  const failed = (kind: QueueFailure['kind'], entries: readonly QueueEntry[], reason: string): void => {
    lastFailure = {
      kind,
      taskIds: entries.map((entry) => entry.taskId),
      reason: tail(reason.trim(), maxFailureReasonChars),
      at: Date.now(),
    };
  };
  /** Workflow time each waiting submission arrived, for the batch delay. */
  const arrivedAt = new Map<string, number>(waiting.map((entry) => [entry.requestId, Date.now()]));
  let phase: MergeQueueStatus['phase'] = 'idle';
  /** Of the tasks under test, those tested ahead, on top of the batch before them (state only). */
  let testedAhead = 0;

  const releaseKeptRef = (taskId: string, unless?: string): void => {
    const kept = keptRefs.get(taskId);
    keptRefs.delete(taskId);
    if (kept !== undefined && kept !== unless) staleRefs.push(kept);
  };
  const settle = (entry: QueueEntry, outcome: TaskOutcome): void => {
    // Re-inserted so the map stays in settling order (oldest first) for trimming.
    outcomes.delete(entry.taskId);
    outcomes.set(entry.taskId, outcome);
    const { owner } = entry;
    if (owner === undefined || !patched(queueNotifiesOwnersPatch)) return;
    const notice = getExternalWorkflowHandle(owner.workflowId)
      .signal(queueOutcomeSignal, { taskId: entry.taskId, requestId: entry.requestId, outcome })
      .catch((err: unknown) => {
        // The owner is gone (its cycle ended or was cancelled): nobody waits for this word.
        log.warn('Could not tell a task its merge queue outcome', { taskId: entry.taskId, owner: owner.workflowId, error: String(err) });
      })
      .finally(() => notices.delete(notice));
    notices.add(notice);
  };
  const land = (entry: QueueEntry, commit: string): void => {
    settle(entry, { state: 'landed', commit, at: Date.now() });
    totals.landed++;
    suspects.delete(entry.taskId);
    releaseKeptRef(entry.taskId);
  };
  const bounce = (entry: QueueEntry, kind: BounceKind, output: string): void => {
    settle(entry, { state: 'bounced', requestId: entry.requestId, kind, output: tail(output), at: Date.now() });
    totals.bounced++;
    suspects.delete(entry.taskId);
    // An owner fixes the change from this commit, so its ref stays until the task submits again.
    if (entry.owner && !entry.owner.lastTry && (kind === 'tests_failed' || kind === 'conflict')) {
      releaseKeptRef(entry.taskId, entry.ref);
      keptRefs.set(entry.taskId, entry.ref);
    } else staleRefs.push(entry.ref);
  };
  const requeueFront = (entries: readonly QueueEntry[]): void => {
    // A newer submission of the same task that arrived meanwhile wins over the one coming back.
    const fresh = entries.filter((entry) => !waiting.some((other) => other.taskId === entry.taskId));
    waiting.unshift(...fresh);
  };

  const status = (): MergeQueueStatus => {
    const recent = [...outcomes.entries()];
    return {
      targetBranch: input.targetBranch,
      phase,
      waiting: waiting.map((entry) => entry.taskId),
      testing: testing.map((entry) => entry.taskId),
      landed: recent.flatMap(([taskId, outcome]) => (outcome.state === 'landed' ? [{ taskId, commit: outcome.commit }] : [])),
      bounced: recent.flatMap(([taskId, outcome]) => (outcome.state === 'bounced' ? [{ taskId, kind: outcome.kind }] : [])),
      totals: { ...totals },
      lastFailure,
      bisecting: [...suspects],
      batchSize: cap,
      settings: { maxBatch: settings.maxBatch, batchDelayMs: settings.batchDelayMs },
    };
  };
  const recordPhase = phaseRecorder(input.searchAttributes === true && patched(queuePhaseAttributePatch));
  const render = (): void => {
    recordPhase(phase);
    const ids = (list: readonly string[]): string =>
      list.length === 0 ? '–' : `${list.slice(0, listedIds).join(', ')}${list.length > listedIds ? ` … (${list.length})` : ''}`;
    const now = status();
    setCurrentDetails(
      [
        `**Merge queue** of \`${input.targetBranch}\`: ${phase}`,
        '',
        `* waiting (${now.waiting.length}): ${ids(now.waiting)}`,
        `* testing (${now.testing.length}): ${ids(now.testing)}${testedAhead > 0 ? ` (the last ${testedAhead} on top of the others)` : ''}`,
        `* landed: ${totals.landed}, bounced: ${totals.bounced}, batches: ${totals.batches}`,
        ...(suspects.size > 0 ? [`* bisecting a failed batch (${suspects.size} suspects, batches of ${cap})`] : []),
        `* recently bounced: ${ids(now.bounced.map((entry) => `${entry.taskId} (${entry.kind})`).reverse())}`,
        ...(lastFailure
          ? [
              `* last failure (${lastFailure.kind}, ${ids(lastFailure.taskIds)}):`,
              '',
              '```',
              lastFailure.reason.replace(/```/g, "'''"),
              '```',
            ]
          : []),
        '',
        `batches of up to ${settings.maxBatch}, started ${settings.batchDelayMs} ms after the last arrival`,
      ].join('\n'),
    );
  };

  setHandler(enqueueSignal, (rawEntry) => {
    const entry = parseSignal(QueueEntrySchema, rawEntry, 'enqueue signal');
    if (entry === undefined) return;
    const at = waiting.findIndex((other) => other.taskId === entry.taskId);
    if (at >= 0) {
      if (waiting[at].requestId === entry.requestId) return;
      // A newer submission of a waiting task takes its place in line.
      arrivedAt.set(entry.requestId, arrivedAt.get(waiting[at].requestId) ?? Date.now());
      arrivedAt.delete(waiting[at].requestId);
      if (waiting[at].ref !== entry.ref) staleRefs.push(waiting[at].ref);
      waiting[at] = entry;
    } else {
      if (testing.some((other) => other.requestId === entry.requestId)) return;
      waiting.push(entry);
      arrivedAt.set(entry.requestId, Date.now());
    }
    if (outcomes.get(entry.taskId)?.state === 'bounced') outcomes.delete(entry.taskId);
    if (keptRefs.has(entry.taskId)) releaseKeptRef(entry.taskId, entry.ref);
    render();
  });
  setHandler(mergeQueueStatusQuery, status);
  const stateOf = (request: TaskStateRequest): TaskState => {
    if (testing.some((entry) => entry.requestId === request.requestId)) return { state: 'testing' };
    if (waiting.some((entry) => entry.requestId === request.requestId)) return { state: 'waiting' };
    const outcome = outcomes.get(request.taskId);
    // Landing settles a task whichever of its submissions landed; a bounce answers only its own.
    if (outcome && (outcome.state !== 'bounced' || outcome.requestId === request.requestId)) return outcome;
    return { state: 'unknown' };
  };
  setHandler(taskStateQuery, (raw) => stateOf(parseInput(TaskStateRequestSchema, raw, 'taskState request')));
  setHandler(taskStatesQuery, (raw) => parseInput(TaskStatesRequest, raw, 'taskStates request').map(stateOf));

  /** The next batch: suspects of a failed batch first, in halves; otherwise whoever waits longest. */
  const drawBatch = (): QueueEntry[] => {
    if (suspects.size > 0 && !waiting.some((entry) => suspects.has(entry.taskId))) {
      suspects.clear();
      cap = settings.maxBatch;
    }
    const pool = suspects.size > 0 ? waiting.filter((entry) => suspects.has(entry.taskId)) : waiting;
    const batch = pool.slice(0, cap);
    for (const entry of batch) {
      waiting.splice(waiting.indexOf(entry), 1);
      arrivedAt.delete(entry.requestId);
    }
    return batch;
  };

  type Tested = { kind: 'tested'; result: TestStackResult } | { kind: 'error'; reason: string };
  /** Tests a batch on the head, or (`after`) on top of the batch under test ahead of it, in the other lane. */
  const testBatch = async (batch: QueueEntry[], ahead?: { after: QueueEntry[]; lane: number }): Promise<Tested> => {
    try {
      const result = await testStack({
        repo: input.repo,
        targetBranch: input.targetBranch,
        testCommand: input.testCommand,
        setupCommand: input.setupCommand,
        sandbox: input.sandbox,
        tasks: batch,
        ...(ahead ? { after: ahead.after, lane: ahead.lane } : {}),
      });
      return { kind: 'tested', result };
    } catch (err) {
      return { kind: 'error', reason: `The merge queue could not test this batch: ${describeFailure(err)}` };
    }
  };

  /**
   * Acts on a batch's test: lands what passed, bounces or bisects what did not. Returns the target's
   * head afterwards when this batch knows it (landed, or nothing to land), else undefined.
   */
  const settleBatch = async (batch: QueueEntry[], tested: Tested): Promise<string | undefined> => {
    if (tested.kind === 'error') {
      failed('error', batch, tested.reason);
      for (const entry of batch) bounce(entry, 'error', tested.reason);
      return undefined;
    }
    const { result } = tested;
    const byId = new Map(batch.map((entry) => [entry.taskId, entry]));
    const stacked: { entry: QueueEntry; commit: string }[] = [];
    const deferred: QueueEntry[] = [];
    for (const task of result.tasks) {
      const entry = byId.get(task.taskId);
      if (entry === undefined) continue;
      switch (task.state) {
        case 'landed':
          land(entry, task.commit);
          break;
        case 'no_changes':
          settle(entry, { state: 'no_changes', at: Date.now() });
          releaseKeptRef(entry.taskId);
          suspects.delete(entry.taskId);
          break;
        case 'conflict':
          failed('conflict', [entry], task.output);
          bounce(entry, 'conflict', task.output);
          break;
        case 'missing':
          bounce(entry, 'missing', 'The submitted commit is gone from the source; submit the task again.');
          break;
        case 'deferred':
          deferred.push(entry);
          break;
        case 'stacked':
          stacked.push({ entry, commit: task.commit });
          break;
      }
    }
    let headAfter: string | undefined = stacked.length === 0 ? (result.base ?? result.head) : undefined;
    if (stacked.length > 0 && result.passed && result.stackRef !== undefined) {
      phase = 'landing';
      render();
      let landed;
      // Bounces recorded while this batch lands are deleted next time.
      // (A resubmission of the very same commit reuses its ref: that one stays.)
      const landedRefs = [
        ...stacked.map(({ entry }) => entry.ref),
        ...staleRefs.filter((ref) => !waiting.some((entry) => entry.ref === ref)),
      ];
      try {
        landed = await landStack({
          repo: input.repo,
          targetBranch: input.targetBranch,
          // A batch tested ahead lands onto the one before it, which has landed by now.
          head: result.base ?? result.head,
          tip: result.tip,
          stackRef: result.stackRef,
          taskRefs: landedRefs,
        });
      } catch (err) {
        const reason = `The merge queue could not land this batch: ${describeFailure(err)}`;
        failed(
          'error',
          stacked.map(({ entry }) => entry),
          reason,
        );
        for (const { entry } of stacked) bounce(entry, 'error', reason);
        landed = undefined;
      }
      if (landed?.kind === 'moved') requeueFront(stacked.map(({ entry }) => entry));
      else if (landed?.kind === 'landed') {
        for (const { entry, commit } of stacked) land(entry, commit);
        staleRefs = staleRefs.filter((ref) => !landedRefs.includes(ref));
        headAfter = result.tip;
      }
    } else if (stacked.length === 1) {
      failed('tests_failed', [stacked[0].entry], result.output ?? '');
      bounce(stacked[0].entry, 'tests_failed', result.output ?? '');
      // The culprit is out: the remaining suspects are tried together again.
      cap = settings.maxBatch;
    } else if (stacked.length > 1) {
      failed(
        'tests_failed',
        stacked.map(({ entry }) => entry),
        result.output ?? '',
      );
      // Bisect: the failed tasks come back first, in halves, until each culprit is alone.
      for (const { entry } of stacked) suspects.add(entry.taskId);
      cap = Math.max(1, Math.ceil(stacked.length / 2));
      requeueFront(stacked.map(({ entry }) => entry));
    }
    if (suspects.size === 0) cap = settings.maxBatch;
    // After the batch: they collided only with a batch-mate, which has landed or bounced by now.
    requeueFront(deferred);
    return headAfter;
  };

  /** Before the run ends: an outcome signal still on its way would be lost with it. */
  const noticesSent = async (): Promise<void> => {
    if (notices.size > 0) await Promise.all(notices);
  };

  const trimOutcomes = (): void => {
    const horizon = Date.now() - settings.outcomeRetentionMs;
    for (const [taskId, outcome] of outcomes) if (outcome.at < horizon) outcomes.delete(taskId);
    for (const taskId of [...outcomes.keys()].slice(0, Math.max(0, outcomes.size - maxCarriedOutcomes))) outcomes.delete(taskId);
  };

  /** A batch under test: its lane, and whether it is tested ahead (on top of the batch before it). */
  interface InFlight {
    batch: QueueEntry[];
    lane: number;
    ahead: boolean;
    test: Promise<Tested>;
    done: boolean;
    cancel(): void;
  }
  const startTest = (batch: QueueEntry[], lane: number, after?: QueueEntry[]): InFlight => {
    const scope = new CancellationScope();
    const flight: InFlight = {
      batch,
      lane,
      ahead: after !== undefined,
      test: scope.run(() => testBatch(batch, after && { after, lane })),
      done: false,
      cancel: () => scope.cancel(),
    };
    void flight.test.then(() => (flight.done = true));
    return flight;
  };
  const continueAsNewDue = (batchesThisRun: number): boolean =>
    batchesThisRun >= settings.batchesPerRun || workflowInfo().continueAsNewSuggested;
  /** 0 when a batch may be tested ahead now (a full one, or its wave has passed); else how long until it may. */
  const aheadWait = (batchesThisRun: number): number | undefined => {
    if (suspects.size > 0 || waiting.length === 0 || continueAsNewDue(batchesThisRun)) return undefined;
    if (waiting.length >= cap) return 0;
    // As when gathering a batch: once the wave has passed, but never holding the oldest too long.
    const arrivals = waiting.map((entry) => arrivedAt.get(entry.requestId) ?? Date.now());
    const ready = Math.min(Math.min(...arrivals) + maxGatherDelays * settings.batchDelayMs, Math.max(...arrivals) + settings.batchDelayMs);
    return Math.max(0, ready - Date.now());
  };
  /** While `current` tests, starts the next batch on top of it in the other lane as soon as one is ready. */
  const testAheadOf = async (current: InFlight, batchesThisRun: number): Promise<InFlight | undefined> => {
    for (;;) {
      if (current.done) return undefined;
      const wait = aheadWait(batchesThisRun);
      if (wait === 0) {
        const next = startTest(drawBatch(), 1 - current.lane, current.batch);
        testing.push(...next.batch);
        testedAhead = next.batch.length;
        render();
        return next;
      }
      const seen = waiting.length;
      const changed = (): boolean => current.done || waiting.length !== seen;
      await (wait === undefined ? condition(changed) : condition(changed, wait));
    }
  };

  const testsAhead = patched(queueTestsAheadPatch);
  let batchesThisRun = 0;
  let next: InFlight | undefined;
  /** The target's head after the last settled batch, where a batch tested ahead of it must have been stacked. */
  let settledHead: string | undefined;
  for (;;) {
    trimOutcomes();
    let current = next;
    next = undefined;
    if (current === undefined) {
      phase = 'idle';
      render();
      if (!(await condition(() => waiting.length > 0, settings.idleExitMs))) {
        await noticesSent();
        await condition(allHandlersFinished);
        if (waiting.length === 0) return { totals };
      }
      if (suspects.size === 0 && waiting.length < cap) {
        phase = 'gathering';
        render();
        // Tasks come back in waves (their workers were released by the last landing): gather until the
        // wave has passed, i.e. nobody joined for a while, but never hold the oldest too long.
        const arrivals = (): number[] => waiting.map((entry) => arrivedAt.get(entry.requestId) ?? Date.now());
        const deadline = Math.min(...arrivals()) + maxGatherDelays * settings.batchDelayMs;
        for (;;) {
          const seen = waiting.length;
          const wait = Math.min(deadline, Math.max(...arrivals()) + settings.batchDelayMs) - Date.now();
          if (wait <= 0 || seen >= cap) break;
          if (!(await condition(() => waiting.length >= cap || waiting.length !== seen, wait))) break;
        }
      }
      current = startTest(drawBatch(), 0);
    }
    testing = [...current.batch];
    testedAhead = 0;
    phase = 'testing';
    render();
    // Tested on top of a batch that did not land as stacked: it is tested again, on the head.
    if (current.ahead && settledHead === undefined) current.cancel();
    if (testsAhead && !(current.ahead && settledHead === undefined)) next = await testAheadOf(current, batchesThisRun);
    const tested = await current.test;
    if (current.ahead && (tested.kind !== 'tested' || tested.result.base === undefined || tested.result.base !== settledHead)) {
      if (next) {
        next.cancel();
        await next.test;
        requeueFront(next.batch);
        next = undefined;
      }
      requeueFront(current.batch);
      testing = [];
      settledHead = undefined;
      continue;
    }
    settledHead = await settleBatch(current.batch, tested);
    testing = next ? [...next.batch] : [];
    totals.batches++;
    batchesThisRun++;
    if (next !== undefined) continue;
    if (continueAsNewDue(batchesThisRun)) {
      await noticesSent();
      await condition(allHandlersFinished);
      trimOutcomes();
      return continueAsNew<typeof mergeQueueWorkflow>({
        ...input,
        carry: {
          waiting,
          outcomes: [...outcomes.entries()].map(([taskId, outcome]) => ({ taskId, outcome })),
          suspects: [...suspects],
          cap,
          staleRefs,
          keptRefs: [...keptRefs].map(([taskId, ref]) => ({ taskId, ref })),
          totals,
          lastFailure,
        },
      });
    }
  }
}
