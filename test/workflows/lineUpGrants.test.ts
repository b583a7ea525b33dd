import { claimsReport, offeredTask } from '../support/plannerReports';
import { projectWorkflow } from '../../src/workflows/projectWorkflow';
import type { PlannerReport } from '../../src/schemas/plannerReport';
import { lineUpPerSlot } from '../../src/workflows/claimRegistry';
import { SlotClaim } from '../../src/workflows/slotClaim';
import { SlotLedger } from '../../src/workflows/slotLedger';
import { uniqueName, withLonghaulWorkers } from '../support/longhaulTestWorkers';
import { RecordingWorkspace } from '../support/recordingWorkspace';
import { scriptedAgents } from '../support/scriptedAgents';
import { testDeps } from '../support/testDeps';
import { treeScript } from '../support/treeScript';

/** Tasks lined up behind a grant: one grant serves several tasks of a planner in a row. */

const report = (workflowId: string, change: Partial<PlannerReport> = {}): PlannerReport =>
  claimsReport(workflowId, { lineUpSettled: 0, ...change });
const task = offeredTask;

function ledger(): SlotLedger {
  const l = new SlotLedger([], 0);
  l.byClaims = true;
  l.lineUps = true;
  return l;
}

describe('the ledger lines tasks up behind a grant', () => {
  test('startable tasks of the planner line up behind its slot, hold their claims and count as about to start', () => {
    const l = ledger();
    const tasks = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'].map((id, i) => task(id, `src/${i}.ts`));
    l.apply(report('a', { offered: tasks }), 1);
    l.apply(report('b', { offered: [task('b1', 'src/1.ts'), task('b2', 'docs/')] }), 1);
    expect(lineUpPerSlot).toBe(3);
    // One slot: a1 is granted, a2..a4 line up behind it; b1 overlaps a lined-up task and waits.
    expect(l.grant(1, 100)).toEqual([{ plannerId: 'a', count: 1, taskIds: ['a1'], next: ['a2', 'a3', 'a4'] }]);
    expect(l.tasksStarted()).toBe(1);
    expect(l.linedUpComing()).toBe(3);
    expect(l.held()).toBe(1);
    const holders = l
      .claims()
      .filter((c) => c.state === 'running')
      .map((c) => c.taskId);
    expect(holders.sort()).toEqual(['a1', 'a2', 'a3', 'a4']);

    // The planner saw the grant and runs a2 on the slot; a3 and a4 still wait their turn on it.
    l.apply(report('a', { grantedSeen: 1, tasksStarted: 2, lineUpSettled: 1, running: ['a2', 'a3', 'a4'], offered: tasks.slice(4) }), 1);
    expect(l.tasksStarted() + l.linedUpComing()).toBe(4);
    // A second slot goes to b (it waited longer), with nothing lined up that overlaps a's holds.
    expect(l.grant(1, 100)).toEqual([{ plannerId: 'b', count: 1, taskIds: ['b2'] }]);
  });

  test('lined-up tasks stay within what maxTasks leaves', () => {
    const l = ledger();
    l.apply(report('a', { offered: ['a1', 'a2', 'a3', 'a4', 'a5'].map((id) => task(id, id)) }), 1);
    expect(l.grant(2, 3)).toEqual([{ plannerId: 'a', count: 2, taskIds: ['a1', 'a2'], next: ['a3'] }]);
    expect(l.tasksStarted() + l.linedUpComing()).toBe(3);
  });

  test('planners that do not take line-ups get named grants only', () => {
    const l = ledger();
    const { lineUpSettled: _omitted, ...old } = report('a', { offered: [task('a1', 'x'), task('a2', 'y')] });
    l.apply(old, 1);
    expect(l.grant(1, 100)).toEqual([{ plannerId: 'a', count: 1, taskIds: ['a1'] }]);
  });
});

describe("the planner's half", () => {
  function claimWith(ids: string[]): SlotClaim {
    const claim = new SlotClaim();
    claim.byClaims = true;
    claim.takesLineUps = true;
    for (const taskId of ids) claim.queue.push({ taskId, claims: [taskId], task: { title: taskId, instructions: taskId } });
    return claim;
  }

  test('a freed slot starts the next lined-up task instead of going back', () => {
    const claim = claimWith(['t1', 't2', 't3']);
    const started = claim.grantNamed({ count: 1, closed: false, taskIds: ['t1'], next: ['t2', 't3'] }, false);
    expect(started.map((t) => t.taskId)).toEqual(['t1']);
    expect(claim.offered(false)).toEqual([]);
    expect(claim.wantSlots(false)).toBe(0);
    expect(claim.taskEnded(false)?.taskId).toBe('t2');
    expect(claim.taskEnded(false)?.taskId).toBe('t3');
    expect(claim.releasedTotal).toBe(0);
    expect(claim.taskEnded(false)).toBeUndefined();
    expect(claim.releasedTotal).toBe(1);
    expect(claim.lineUpSettled).toBe(2);
    expect(claim.tasksStarted).toBe(3);
  });

  test('paused, or with the task cancelled, the lined-up tasks are given back with the slot', () => {
    const claim = claimWith(['t1', 't2', 't3']);
    claim.grantNamed({ count: 1, closed: false, taskIds: ['t1'], next: ['t2', 't3'] }, false);
    claim.queue.splice(0, 1); // t2 cancelled by its planner
    expect(claim.taskEnded(true)).toBeUndefined();
    expect(claim.releasedTotal).toBe(1);
    expect(claim.lineUpSettled).toBe(2);
    expect(claim.offered(false).map((t) => t.taskId)).toEqual(['t3']);
  });
});

test('on a real server, a planner runs its tasks on few grants, never above maxParallelWorkers', async () => {
  const taskQueue = uniqueName('lineup');
  const script = treeScript({ branching: [2], tasksPerLeaf: () => 12, cycles: 1 });
  const agents = scriptedAgents(script);
  const workspace = new RecordingWorkspace();
  await withLonghaulWorkers({ taskQueue, deps: testDeps(agents, workspace) }, async (client) => {
    const result = await client.workflow.execute(projectWorkflow, {
      taskQueue,
      workflowId: taskQueue,
      args: [{ goal: 'line up', repo: '/unused', limits: { maxParallelWorkers: 2, maxPlannerDepth: 1, maxTasks: 20 } }],
    });
    // maxTasks holds with tasks lined up: 20 of the 24 start, the rest are skipped.
    expect(result.tasksDone).toBe(20);
    expect(workspace.integrations.size).toBe(20);
    expect(script.maxConcurrentWorkers()).toBeLessThanOrEqual(2);
    expect(script.maxConcurrentWorkers()).toBeGreaterThan(0);

    // Grants the two leaf planners received: far fewer than the tasks they ran.
    let grants = 0;
    for (const leaf of [0, 1]) {
      const history = await client.workflow.getHandle(`${taskQueue}/cycle-1/planner/area-${leaf}`).fetchHistory();
      grants += (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'grantSlots').length;
    }
    expect(grants).toBeGreaterThan(0);
    expect(grants).toBeLessThanOrEqual(Math.ceil(20 / (1 + lineUpPerSlot)) + 2);
  });
}, 120_000);
