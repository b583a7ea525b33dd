import { claimsReport, offeredTask } from '../support/plannerReports';
import { SlotLedger } from '../../src/workflows/slotLedger';

/**
 * The project's half of the claim registry, as pure bookkeeping: which named task gets a slot when
 * claims overlap across planners. The workflow-level guarantee is tested in plannerWakeUp.test.ts.
 */
const report = claimsReport;
const task = offeredTask;

function ledger(): SlotLedger {
  const l = new SlotLedger([], 0);
  l.byClaims = true;
  return l;
}

test('a task overlapping a granted one waits for it across planners, while a disjoint one starts', () => {
  const l = ledger();
  l.apply(report('a', { offered: [task('a1', 'src/')] }), 1);
  l.apply(report('b', { offered: [task('b1', 'src/a.ts'), task('b2', 'docs/')] }), 1);
  expect(l.grant(4)).toEqual([
    { plannerId: 'a', count: 1, taskIds: ['a1'] },
    { plannerId: 'b', count: 1, taskIds: ['b2'] },
  ]);
  expect(l.claims()).toEqual(
    expect.arrayContaining([
      { taskId: 'a1', plannerId: 'a', area: 'a', state: 'running', claims: ['src/'] },
      { taskId: 'b1', plannerId: 'b', area: 'b', state: 'queued', claims: ['src/a.ts'] },
    ]),
  );

  // a1 runs: still held, whatever the planner reports meanwhile.
  l.apply(report('a', { grantedSeen: 1, tasksStarted: 1, running: ['a1'] }), 1);
  l.apply(report('b', { grantedSeen: 1, tasksStarted: 1, running: ['b2'], offered: [task('b1', 'src/a.ts')] }), 1);
  expect(l.grant(4)).toEqual([]);

  // a1 ended: b1 gets its slot.
  l.apply(report('a', { grantedSeen: 1, tasksStarted: 1, releasedTotal: 1 }), 1);
  expect(l.grant(4)).toEqual([{ plannerId: 'b', count: 1, taskIds: ['b1'] }]);
});

test('a report that crossed the grant on its way does not free the claim', () => {
  const l = ledger();
  l.apply(report('a', { offered: [task('a1', 'src/')] }), 1);
  l.apply(report('b', { offered: [task('b1', 'src/x.ts')] }), 1);
  expect(l.grant(2)).toEqual([{ plannerId: 'a', count: 1, taskIds: ['a1'] }]);
  // Sent before a saw the grant: a1 is neither seen granted nor running yet.
  l.apply(report('a', { offered: [task('a1', 'src/')] }), 1);
  expect(l.grant(2)).toEqual([]);
});

test('overlapping tasks start in the order they were first offered, even when the later one could start now', () => {
  const l = ledger();
  l.apply(report('a', { offered: [task('a1', 'lib/')] }), 1);
  expect(l.grant(1)).toEqual([{ plannerId: 'a', count: 1, taskIds: ['a1'] }]);
  l.apply(report('b', { offered: [task('b1', 'lib/x.ts', 'src/')] }), 1);
  l.apply(report('c', { offered: [task('c1', 'src/y.ts')] }), 1);
  // b1 waits for a1; c1 overlaps b1, which waited longer, so it waits too.
  expect(l.grant(3)).toEqual([]);
  l.apply(report('a', { grantedSeen: 1, tasksStarted: 1, releasedTotal: 1 }), 1);
  expect(l.grant(3)).toEqual([{ plannerId: 'b', count: 1, taskIds: ['b1'] }]);
});

test('a slot for a task its planner gave back (paused, cancelled) frees the claim', () => {
  const l = ledger();
  l.apply(report('a', { offered: [task('a1', 'src/')] }), 1);
  l.apply(report('b', { offered: [task('b1', 'src/')] }), 1);
  expect(l.grant(1)).toEqual([{ plannerId: 'a', count: 1, taskIds: ['a1'] }]);
  l.apply(report('a', { grantedSeen: 1, releasedTotal: 1 }), 1);
  expect(l.held()).toBe(0);
  expect(l.grant(1)).toEqual([{ plannerId: 'b', count: 1, taskIds: ['b1'] }]);
});

test('planners that do not offer their tasks are granted counts, as before', () => {
  const l = ledger();
  l.apply(report('old', { offered: undefined, running: undefined, wantSlots: 2 }), 1);
  l.apply(report('new', { offered: [task('n1', 'src/')] }), 1);
  expect(l.grant(3)).toEqual([
    { plannerId: 'old', count: 2 },
    { plannerId: 'new', count: 1, taskIds: ['n1'] },
  ]);
});

test('without claims the ledger grants counts and keeps no registry', () => {
  const l = new SlotLedger([], 0);
  l.apply(report('a', { offered: [task('a1', 'src/')], wantSlots: 1 }), 1);
  l.apply(report('b', { offered: [task('b1', 'src/')], wantSlots: 1 }), 1);
  expect(l.grant(2)).toEqual([
    { plannerId: 'a', count: 1 },
    { plannerId: 'b', count: 1 },
  ]);
  expect(l.claims()).toEqual([]);
});
