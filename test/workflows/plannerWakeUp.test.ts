import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JudgeAgentRequest, PlannerAgentRequest, WorkerAgentRequest, WorkOutcome } from '../../src/agents/agentContracts';
import { plannerStatusQuery } from '../../src/contract/messages/plannerMessages';
import { projectWorkflow } from '../../src/workflows/projectWorkflow';
import { Gate } from '../support/gate';
import { uniqueName, withLonghaulWorkers } from '../support/longhaulTestWorkers';
import { RecordingWorkspace } from '../support/recordingWorkspace';
import { scriptedAgents, writeTaskFile } from '../support/scriptedAgents';
import { testDeps } from '../support/testDeps';

const task = (title: string) => ({ title, instructions: `do ${title}` });

test('a planner plans again when quick tasks finish while a slow one still runs, and a task it cancels never starts', async () => {
  const taskQueue = uniqueName('wakeup');
  const slowGate = new Gate();
  const secondGate = new Gate();
  const plans: PlannerAgentRequest[] = [];
  const worked: string[] = [];
  let slowFinished = false;
  let seenAtReplan: { slowFinished: boolean; pending: PlannerAgentRequest['pending'] } | undefined;
  const agents = scriptedAgents({
    plan(req) {
      plans.push(req);
      if (req.round === 0)
        return { summary: 'four tasks', tasks: ['slow', 'quick', 'second', 'victim'].map(task), subplanners: [], done: false };
      if (req.round === 1) {
        seenAtReplan = { slowFinished, pending: req.pending };
        const victim = req.pending?.find((p) => p.title === 'victim');
        // The plan no longer wants the queued task; the rest can finish.
        setTimeout(() => (slowGate.open(), secondGate.open()), 500);
        return { summary: 'drop the victim', tasks: [], subplanners: [], done: true, cancel: victim ? [victim.taskId] : [] };
      }
      return { summary: 'unexpected', tasks: [], subplanners: [], done: true };
    },
    async work(req, ctx) {
      worked.push(req.task.title);
      if (req.task.title === 'slow') {
        await slowGate.pass(ctx.signal);
        slowFinished = true;
      }
      if (req.task.title === 'second') await secondGate.pass(ctx.signal);
      return writeTaskFile(req);
    },
    judge: () => ({ verdict: 'done', reasons: 'enough' }),
  });

  const result = await withLonghaulWorkers({ taskQueue, deps: testDeps(agents, new RecordingWorkspace()) }, async (client) => {
    const outcome = await client.workflow.execute(projectWorkflow, {
      taskQueue,
      workflowId: taskQueue,
      args: [{ goal: 'wake up', repo: '/unused', limits: { maxParallelWorkers: 2, maxCycles: 1 } }],
    });
    const root = await client.workflow.getHandle(`${taskQueue}/cycle-1/planner`).query(plannerStatusQuery);
    return { outcome, root };
  });

  // The second planning step came from the quick task's result, before the slow one finished.
  expect(plans.map((p) => p.round)).toEqual([0, 1]);
  expect(plans[1].results.map((r) => r.title)).toEqual(['quick']);
  expect(seenAtReplan?.slowFinished).toBe(false);
  expect(seenAtReplan?.pending?.map((p) => [p.title, p.state]).sort()).toEqual([
    ['second', 'running'],
    ['slow', 'running'],
    ['victim', 'queued'],
  ]);
  // The cancelled task never reached a worker; the others all landed.
  expect(worked.sort()).toEqual(['quick', 'second', 'slow']);
  expect(result.outcome.tasksDone).toBe(3);
  expect(result.root.recentTasks.find((t) => t.title === 'victim')).toMatchObject({ state: 'skipped' });
});

test('every planning step sees the failures of its area so far, not only those since the last step', async () => {
  const taskQueue = uniqueName('failrec');
  const plans: PlannerAgentRequest[] = [];
  const agents = scriptedAgents({
    plan(req) {
      plans.push(req);
      if (req.round === 0) return { summary: 'start', tasks: [task('broken')], subplanners: [], done: false };
      if (req.round === 1) return { summary: 'try around it', tasks: [task('workaround')], subplanners: [], done: false };
      return { summary: 'done', tasks: [], subplanners: [], done: true };
    },
    work(req) {
      if (req.task.title === 'broken') return { outcome: 'blocked', summary: 'the build script is missing: sh: build.sh: not found' };
      return writeTaskFile(req);
    },
    judge: () => ({ verdict: 'done', reasons: 'enough' }),
  });
  await withLonghaulWorkers({ taskQueue, deps: testDeps(agents, new RecordingWorkspace()) }, (client) =>
    client.workflow.execute(projectWorkflow, {
      taskQueue,
      workflowId: taskQueue,
      args: [{ goal: 'record failures', repo: '/unused', limits: { maxCycles: 1 } }],
    }),
  );
  expect(plans.map((p) => p.round)).toEqual([0, 1, 2]);
  expect(plans[2].results.map((r) => r.title)).toEqual(['workaround']);
  for (const step of [plans[1], plans[2]]) {
    expect(step.failureRecord).toEqual([
      expect.objectContaining({ title: 'broken', status: 'blocked', reason: expect.stringContaining('build.sh: not found') }),
    ]);
  }
});

test('a task whose agent looped comes back stalled: counted in status and planned on', async () => {
  const taskQueue = uniqueName('stalls');
  const plans: PlannerAgentRequest[] = [];
  const scripted = scriptedAgents({
    plan(req) {
      plans.push(req);
      return req.round === 0
        ? { summary: 'two tasks', tasks: [task('loops'), task('fine')], subplanners: [], done: false }
        : { summary: 'enough', tasks: [], subplanners: [], done: true };
    },
    judge: () => ({ verdict: 'done', reasons: 'enough' }),
  });
  const plainWork = scripted.worker.work.bind(scripted.worker);
  const agents = {
    ...scripted,
    worker: {
      ...scripted.worker,
      // What the agent loop returns when its stuck detector ends a run.
      work: async (req: Parameters<typeof plainWork>[0], ctx: Parameters<typeof plainWork>[1]) =>
        req.task.title === 'loops'
          ? {
              result: { outcome: 'blocked' as const, summary: 'kept calling read_file' },
              usage: { calls: 1, inputTokens: 1, cachedInputTokens: 0, outputTokens: 1, costUsd: 0 },
              promptVersion: 'scripted',
              stoppedBy: 'stalled' as const,
              stopDetail: 'the same call 8 times',
            }
          : plainWork(req, ctx),
    },
  };
  const root = await withLonghaulWorkers({ taskQueue, deps: testDeps(agents, new RecordingWorkspace()) }, async (client) => {
    await client.workflow.execute(projectWorkflow, {
      taskQueue,
      workflowId: taskQueue,
      args: [{ goal: 'count stalls', repo: '/unused', limits: { maxCycles: 1 } }],
    });
    return client.workflow.getHandle(`${taskQueue}/cycle-1/planner`).query(plannerStatusQuery);
  });
  expect(root.tasks).toMatchObject({ done: 1, failed: 1, stalled: 1 });
  const replanned = plans.flatMap((p) => p.results);
  expect(replanned.find((r) => r.title === 'loops')).toMatchObject({
    status: 'stalled',
    summary: expect.stringContaining('the same call 8 times'),
  });
});

/** Writes `file` in the task's working copy, inside its claims. */
function writeClaimed(req: WorkerAgentRequest, file: string): WorkOutcome {
  fs.mkdirSync(path.dirname(path.join(req.dir, file)), { recursive: true });
  fs.writeFileSync(path.join(req.dir, file), `${req.task.title}\n`);
  return { outcome: 'done', summary: `wrote ${file}` };
}

test('tasks of sibling planners whose claims overlap (a folder and a file in it) never run at once; a disjoint one runs meanwhile', async () => {
  const taskQueue = uniqueName('claims');
  const events: string[] = [];
  const folderStarted = new Gate();
  const rightPlanned = new Gate();
  const docsStarted = new Gate();
  let seenByRight: PlannerAgentRequest['claims'];
  const agents = scriptedAgents({
    plan(req) {
      // The root starts the right area only once the folder task of the left one runs (when its
      // first task comes back), so the right area's step is told who holds `src/`.
      if (req.depth === 0 && req.round === 0) {
        return {
          summary: 'left first',
          tasks: [{ ...task('kick'), files: ['kick.txt'] }],
          subplanners: [{ area: 'left', goal: 'the folder' }],
          done: false,
        };
      }
      if (req.depth === 0) return { summary: 'now right', tasks: [], subplanners: [{ area: 'right', goal: 'a file in it' }], done: true };
      if (req.area === 'left') return { summary: 'left', tasks: [{ ...task('folder'), files: ['src/'] }], subplanners: [], done: true };
      seenByRight = req.claims;
      rightPlanned.open();
      return {
        summary: 'right',
        tasks: [
          { ...task('file'), files: ['./src//a.ts'] },
          { ...task('docs'), files: ['docs/'] },
        ],
        subplanners: [],
        done: true,
      };
    },
    async work(req, ctx) {
      const { title } = req.task;
      events.push(`start ${title}`);
      if (title === 'kick') await folderStarted.pass(ctx.signal);
      if (title === 'docs') docsStarted.open();
      if (title === 'folder') {
        folderStarted.open();
        // Holds its claim until the file task is queued and has had every chance to start.
        await rightPlanned.pass(ctx.signal);
        await Promise.race([docsStarted.pass(ctx.signal), new Promise((r) => setTimeout(r, 10_000))]);
        await new Promise((r) => setTimeout(r, 500));
      }
      events.push(`end ${title}`);
      return writeClaimed(req, { kick: 'kick.txt', folder: 'src/folder.ts', file: 'src/a.ts' }[title] ?? 'docs/x.md');
    },
    judge: () => ({ verdict: 'done', reasons: 'enough' }),
  });

  const outcome = await withLonghaulWorkers({ taskQueue, deps: testDeps(agents, new RecordingWorkspace()) }, (client) =>
    client.workflow.execute(projectWorkflow, {
      taskQueue,
      workflowId: taskQueue,
      args: [{ goal: 'claims', repo: '/unused', limits: { maxParallelWorkers: 3, maxCycles: 1 } }],
    }),
  );

  expect(outcome.tasksDone).toBe(4);
  expect(seenByRight).toContainEqual(expect.objectContaining({ area: 'left', state: 'running', claims: ['src/'] }));
  // The file task was queued while the folder task ran, and started only once it had ended.
  const src = events.filter((e) => / (folder|file)$/.test(e));
  expect(src).toEqual(['start folder', 'end folder', 'start file', 'end file']);
  // The disjoint task did not wait for either.
  expect(events.indexOf('start docs')).toBeLessThan(events.indexOf('end folder'));
});

test("a change that leaves its task's claims is noted in its result, for its planner and the judge", async () => {
  const taskQueue = uniqueName('outside');
  const plans: PlannerAgentRequest[] = [];
  let judged: JudgeAgentRequest | undefined;
  const agents = scriptedAgents({
    plan(req) {
      plans.push(req);
      return req.round === 0
        ? { summary: 'one task', tasks: [{ ...task('strays'), files: ['src/'] }], subplanners: [], done: false }
        : { summary: 'seen', tasks: [], subplanners: [], done: true };
    },
    // Writes work/<task id>.txt, outside `src/`.
    work: (req) => writeTaskFile(req),
    judge(req) {
      judged = req;
      return { verdict: 'done', reasons: 'enough' };
    },
  });
  await withLonghaulWorkers({ taskQueue, deps: testDeps(agents, new RecordingWorkspace()) }, (client) =>
    client.workflow.execute(projectWorkflow, {
      taskQueue,
      workflowId: taskQueue,
      args: [{ goal: 'outside', repo: '/unused', limits: { maxCycles: 1 } }],
    }),
  );
  const [result] = plans[1].results;
  const note = { files: [expect.stringMatching(/^work\/c1\..*\.txt$/)], total: 1 };
  expect(result).toMatchObject({ title: 'strays', status: 'done', outsideClaims: note });
  expect(judged?.tasks.find((t) => t.title === 'strays')).toMatchObject({ outsideClaims: note });
});
