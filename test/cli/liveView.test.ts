import type { ProjectHandle, ProjectExecution } from '../../src/client/projectHandle';
import { deadline } from '../../src/cli/optionParsers';
import type { OutputStream } from '../../src/cli/outputStream';
import { changeLines } from '../../src/cli/view/changeLines';
import { plannerTreeRows } from '../../src/cli/view/plannerTree';
import { renderStatus } from '../../src/cli/view/renderStatus';
import { watchProject } from '../../src/cli/view/watchProject';
import { exitCodeForWatch } from '../../src/cli/commands/watchOutcome';
import { defaultLimits } from '../../src/schemas/limits';
import type { PlannerNode, ProjectResult, ProjectStatus } from '../../src/schemas/status';

/** The terminal escape character, which starts every cursor movement. */
const esc = String.fromCharCode(27);
const counts = (queued: number, running: number, done: number, failed = 0) => ({ queued, running, done, failed });

function node(workflowId: string, parentId: string | undefined, area: string, state: PlannerNode['state'] = 'working'): PlannerNode {
  return { workflowId, parentId, area, depth: parentId ? parentId.split('/').length - 2 : 0, state, round: 1, tasks: counts(1, 2, 3) };
}

const planners: PlannerNode[] = [
  node('p/cycle-2/planner', 'p/cycle-2', 'whole project'),
  node('p/cycle-2/planner/api', 'p/cycle-2/planner', 'api'),
  node('p/cycle-2/planner/docs', 'p/cycle-2/planner', 'docs', 'done'),
  node('p/cycle-2/planner/api/auth', 'p/cycle-2/planner/api', 'auth', 'planning'),
];

function status(overrides: Partial<ProjectStatus> = {}): ProjectStatus {
  return {
    projectId: 'p',
    goal: 'Add OAuth login',
    phase: 'running',
    paused: false,
    stopRequested: false,
    cycle: 2,
    cycleWorkflowId: 'p/cycle-2',
    tasks: counts(3, 2, 5, 1),
    totals: { done: 12, failed: 1, started: 16 },
    planners,
    usage: { calls: 42, inputTokens: 1_000_000, cachedInputTokens: 0, outputTokens: 234_000, costUsd: 3.21 },
    lastVerdict: {
      cycle: 1,
      verdict: 'continue',
      reasons: 'tests fail',
      nextFocus: 'fix the callback',
      usage: { calls: 1, inputTokens: 1, cachedInputTokens: 0, outputTokens: 1, costUsd: 0 },
    },
    limits: { ...defaultLimits, maxCostUsd: 20, maxTokens: 5_000_000 },
    pendingSteering: ['Keep the cookie name.'],
    ...overrides,
  };
}

test('the planner tree is joined on parentId, depth first, with branches drawn', () => {
  const rows = plannerTreeRows(planners);
  expect(rows.map((r) => `${r.prefix}${r.node.area}`)).toEqual(['whole project', '├─ api', '│  └─ auth', '└─ docs']);
  // A planner whose parent is gone still shows, as a tree of its own; a cycle in the list does not loop.
  const orphan = node('p/x', 'p/missing', 'orphan');
  const loop = { ...node('p/y', 'p/y', 'self') };
  expect(plannerTreeRows([orphan, loop]).map((r) => r.node.area)).toEqual(['orphan', 'self']);
});

test('the status screen shows goal, cycle, tasks, usage against limits, verdict, steering, planners and the Web UI link', () => {
  const text = renderStatus('p', status(), { uiUrl: 'http://localhost:8233/namespaces/default/workflows/p' }).join('\n');
  expect(text).toContain('goal      Add OAuth login');
  expect(text).toContain('cycle     2 of at most 20');
  expect(text).toContain('this cycle 3 queued · 2 running · 5 done · 1 failed');
  expect(text).toContain('1.23M tokens of 5M · $3.21 of $20.00 · 42 model calls');
  expect(text).toContain('verdict   cycle 1: continue — tests fail → next: fix the callback');
  expect(text).toContain('Keep the cookie name.');
  expect(text).toMatch(/│ {2}└─ auth +planning r1 +1 queued · 2 running · 3 done · 0 failed/);
  expect(text).toContain('web ui    http://localhost:8233/namespaces/default/workflows/p');
  expect(renderStatus('p', undefined, { problem: 'starting…' }).join('\n')).toContain('status    starting…');
});

test('tasks parked in the merge queue show as landing, on the screen and in the change lines', () => {
  const parked = status({ tasks: { ...counts(1, 2, 5, 0), landing: 4 } });
  expect(renderStatus('p', parked, {}).join('\n')).toContain('this cycle 1 queued · 2 running · 4 landing · 5 done · 0 failed');
  const at = new Date('2026-01-01T10:00:00Z');
  expect(changeLines(undefined, parked, at)[0]).toContain('tasks 1 queued, 2 running, 4 landing, 5 done, 0 failed');
  // A task moving from running to landing is a change worth a line.
  const landed = status({ tasks: { ...counts(1, 1, 5, 0), landing: 5 } });
  expect(changeLines(parked, landed, at)[0]).toContain('1 running, 5 landing');
});

test('the status screen shows how commands are confined, and an unconfined project plainly', () => {
  const confined = renderStatus('p', status({ sandbox: { enabled: true, network: { commands: false, setup: true } } })).join('\n');
  expect(confined).toContain('sandbox   bubblewrap · network for commands off, for setup on');
  const off = renderStatus('p', status({ sandbox: { enabled: false, network: { commands: false, setup: true } } })).join('\n');
  expect(off).toContain('sandbox   OFF: commands run unconfined');
});

test("the status screen and the change lines show the target's merge queue: counts, tasks per state, the last failure", () => {
  const sha = 'a'.repeat(40);
  const queue = {
    targetBranch: 'longhaul/p',
    phase: 'testing' as const,
    waiting: ['c2-t7', 'c2-t8'],
    testing: ['c2-t4', 'c2-t5'],
    landed: [
      { taskId: 'c2-t1', commit: sha },
      { taskId: 'c2-t2', commit: sha },
    ],
    bounced: [{ taskId: 'c2-t3', kind: 'tests_failed' as const }],
    totals: { landed: 2, bounced: 1, batches: 3 },
    lastFailure: { kind: 'tests_failed' as const, taskIds: ['c2-t3'], reason: 'FAIL test/api.test.js\nexpected 200', at: 1 },
    bisecting: [],
    batchSize: 16,
  };
  const mergeQueue = { workflowId: 'merge-queue/longhaul/p@abc', queue };
  const text = renderStatus('p', status({ mergeQueue })).join('\n');
  expect(text).toContain('queue     testing 2 · 2 waiting · 2 landed · 1 bounced · 3 batches');
  expect(text).toContain('          testing: c2-t4, c2-t5');
  expect(text).toContain('          waiting: c2-t7, c2-t8');
  expect(text).toContain('          bounced: c2-t3 (tests_failed)');
  expect(text).toContain('          landed: c2-t2, c2-t1');
  expect(text).toContain('          last failure: tests_failed in c2-t3 — FAIL test/api.test.js expected 200');
  // A queue that cannot answer says so instead of failing the status.
  const silent = renderStatus('p', status({ mergeQueue: { workflowId: 'mq', problem: 'no task has joined the merge queue yet' } }));
  expect(silent.join('\n')).toContain('queue     no task has joined the merge queue yet (mq)');

  const at = new Date('2026-01-01T10:00:00Z');
  const before = status({ mergeQueue: { ...mergeQueue, queue: { ...queue, lastFailure: undefined } } });
  expect(changeLines(before, status({ mergeQueue }), at)).toEqual([
    '10:00:00 merge queue failure: tests_failed in c2-t3 — FAIL test/api.test.js expected 200',
  ]);
  const landed = { ...queue, phase: 'idle' as const, testing: [], totals: { ...queue.totals, landed: 4, batches: 4 } };
  expect(changeLines(status({ mergeQueue }), status({ mergeQueue: { ...mergeQueue, queue: landed } }), at)).toEqual([
    '10:00:00 merge queue: idle · 2 waiting · 4 landed · 1 bounced · 4 batches',
  ]);
  // The phase going round alone prints nothing.
  expect(changeLines(status({ mergeQueue }), status({ mergeQueue: { ...mergeQueue, queue: { ...queue, phase: 'landing' } } }), at)).toEqual(
    [],
  );
});

test('without a terminal, one line per change of phase, cycle or counts, and one per verdict', () => {
  const at = new Date('2026-01-01T10:00:00Z');
  const first = changeLines(undefined, status(), at);
  expect(first[0]).toBe(
    '10:00:00 cycle 2 running · tasks 3 queued, 2 running, 5 done, 1 failed · project 12 done, 1 failed · planners 4 · 1.23M tokens, $3.21',
  );
  expect(first[1]).toContain('verdict on cycle 1: continue');
  // Usage alone moving on prints nothing.
  expect(changeLines(status(), status({ usage: { ...status().usage, outputTokens: 999_999 } }), at)).toEqual([]);
  const judged = status({
    phase: 'between_cycles',
    lastVerdict: { ...status().lastVerdict!, cycle: 2, verdict: 'done' },
    limitReached: 'maxCostUsd (20) reached',
  });
  expect(changeLines(status(), judged, at)).toEqual([
    expect.stringContaining('cycle 2 between_cycles'),
    expect.stringContaining('verdict on cycle 2: done'),
    '10:00:00 limit: maxCostUsd (20) reached',
  ]);
});

test('deadlines are ISO times with a zone or durations from now', () => {
  const now = () => Date.parse('2026-01-01T00:00:00Z');
  expect(deadline('36h', now)).toBe('2026-01-02T12:00:00.000Z');
  expect(deadline('2w', now)).toBe('2026-01-15T00:00:00.000Z');
  expect(deadline('2026-07-01T20:00:00+02:00', now)).toBe('2026-07-01T18:00:00.000Z');
  expect(() => deadline('2026-07-01T20:00:00', now)).toThrow(/zone/);
  expect(() => deadline('soon', now)).toThrow(/ISO-8601/);
});

/** A stand-in handle whose run goes through the given statuses, then completes with `result`. */
function scriptedProject(statuses: ProjectStatus[], result: ProjectResult): ProjectHandle {
  let polls = 0;
  const execution = (running: boolean): ProjectExecution => ({
    projectId: 'p',
    runId: 'r',
    status: running ? 'RUNNING' : 'COMPLETED',
    running,
    taskQueue: 'q',
    startTime: new Date(0),
  });
  return {
    projectId: 'p',
    describe: async () => execution(polls < statuses.length),
    status: async () => statuses[Math.min(polls++, statuses.length - 1)],
    result: async () => result,
  } as unknown as ProjectHandle;
}

class Screen implements OutputStream {
  text = '';
  constructor(readonly isTTY: boolean) {}
  columns = 120;
  rows = 50;
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

const result: ProjectResult = {
  outcome: 'done',
  cycles: 2,
  tasksDone: 12,
  tasksFailed: 1,
  usage: status().usage,
  verdicts: [],
  reason: 'all green',
};

test('the live view redraws in place on a terminal and ends with the result', async () => {
  const out = new Screen(true);
  const end = await watchProject({
    project: scriptedProject([status({ cycle: 1 }), status({ cycle: 2 })], result),
    out,
    tty: true,
    intervalMs: 1,
  });
  expect(end).toEqual({ kind: 'finished', result });
  expect(exitCodeForWatch(end)).toBe(0);
  const redraws = out.text.split(`${esc}[J`).length - 1;
  expect(redraws).toBeGreaterThanOrEqual(2);
  expect(out.text).toMatch(new RegExp(`${esc}\\[\\d+F`)); // The cursor went back up to redraw.
  expect(out.text).toContain('Project p ended: done — all green');
});

test('without a terminal the live view prints changes only, and a stopped project exits 3', async () => {
  const out = new Screen(false);
  const same = status();
  const end = await watchProject({
    project: scriptedProject([same, same, same], { ...result, outcome: 'stopped' }),
    out,
    tty: false,
    intervalMs: 1,
  });
  expect(exitCodeForWatch(end)).toBe(3);
  expect(out.text).not.toContain(`${esc}[`);
  expect(out.text.match(/cycle 2 running/g)).toHaveLength(2); // once while running, once in the final state
  expect(out.text).toContain('Project p ended: stopped');
});

test('detaching ends the view at once with exit code 130', async () => {
  const controller = new AbortController();
  const never = { projectId: 'p', describe: () => new Promise(() => undefined) } as unknown as ProjectHandle;
  const watching = watchProject({ project: never, out: new Screen(false), tty: false, signal: controller.signal });
  controller.abort();
  const end = await watching;
  expect(end).toEqual({ kind: 'detached' });
  expect(exitCodeForWatch(end)).toBe(130);
});
