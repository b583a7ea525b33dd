/**
 * Records fresh workflow histories from real runs into test/histories/<label>/, for the replay test
 * that proves today's workflow code still replays what earlier versions wrote.
 *
 *   npm run record-history -- <label> [core|queue]
 *
 * `core`: a project whose run touches every orchestration path; `queue`: tasks landing through the
 * merge queue on a real git repository. Both by default.
 * Uses TEMPORAL_ADDRESS when set, else starts a throw-away dev server (the Temporal CLI must be on
 * PATH or in TEMPORAL_CLI_PATH). Agents are scripted, and so is git in `core`: the histories are about orchestration.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { mergeQueueStatusQuery } from '../src/contract/messages/mergeQueueMessages';
import { modelOutageSignal, projectStatusQuery, setLimitsUpdate } from '../src/contract/messages/projectMessages';
import { mergeQueueWorkflowId } from '../src/contract/mergeQueueWorkflowId';
import { GitWorkspace } from '../src/git/gitWorkspace';
import { pauseSignal, resumeSignal, steerSignal } from '../src/contract/messages/operatorMessages';
import { projectWorkflow } from '../src/workflows/projectWorkflow';
import { createRepo, removeDir, tempDir } from '../test/support/gitFixtures';
import { scriptedAgents, writeTaskFile } from '../test/support/scriptedAgents';
import { withScriptedDeployment } from '../test/support/scriptedDeployment';

/** A run that touches every path: sub-planners, a failed task, signals, a query, an update, hand-overs. */
const agents = scriptedAgents({
  plan(req) {
    if (req.depth === 0 && req.round === 0) {
      return {
        summary: 'split',
        // Claims that overlap, within the plan and with the sub-planner's, so tasks wait for each other.
        tasks: [
          { title: 'core 1', instructions: 'implement', files: ['src/'] },
          { title: 'core 2', instructions: 'implement', files: ['src/core2.ts'] },
          { title: 'core 3', instructions: 'implement', files: ['lib/', 'docs/index.md'] },
        ],
        subplanners: [{ area: 'docs', goal: 'document it' }],
        done: false,
      };
    }
    if (req.depth === 1 && req.round === 0) {
      return {
        summary: 'docs',
        tasks: [
          { title: 'write docs', instructions: 'write', files: ['docs/'] },
          { title: 'broken', instructions: 'fails', files: ['docs/broken.md'] },
        ],
        subplanners: [],
        done: true,
      };
    }
    return { summary: 'done here', tasks: [], subplanners: [], done: true };
  },
  work(req) {
    if (req.task.title === 'broken') throw ApplicationFailure.nonRetryable('scripted failure', 'Scripted');
    return writeTaskFile(req);
  },
  judge: (req) => ({ verdict: req.cycle >= 6 ? 'done' : 'continue', reasons: `cycle ${req.cycle}` }),
});

/**
 * Tasks landing through the target's merge queue: one breaks the stack's tests once (a failed batch
 * bisected, the culprit bounced, fixed and landed), the rest land in batches of two, the next batch
 * tested on top of the one under test, while the tasks wait parked without their worker slots.
 */
function gatedAgents(): ReturnType<typeof scriptedAgents> {
  const titles = ['gated 1', 'gated 2', 'breaks once', 'gated 3', 'gated 4', 'gated 5', 'gated 6', 'gated 7'];
  return scriptedAgents({
    plan: (req) => ({
      summary: 'gated',
      tasks: req.round === 0 ? titles.map((title) => ({ title, instructions: 'write it' })) : [],
      subplanners: [],
      done: req.round > 0 && (req.pending ?? []).length === 0,
    }),
    work(req) {
      const outcome = writeTaskFile(req);
      if (req.task.title === 'breaks once') fs.writeFileSync(path.join(req.dir, 'work', `${req.taskId}.txt`), 'BROKEN\n');
      return outcome;
    },
    fixTests(req) {
      fs.writeFileSync(path.join(req.dir, 'work', `${req.taskId}.txt`), 'fixed\n');
      return { outcome: 'done', summary: 'fixed' };
    },
    judge: () => ({ verdict: 'done', reasons: 'landed' }),
  });
}

/** Saves the history of every run on `taskQueue` into `outDir`, numbering on from what `index` holds. */
async function saveHistories(
  client: Client,
  taskQueue: string,
  outDir: string,
  index: { file: string; workflowId: string; type: string }[],
) {
  for await (const execution of client.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) {
    const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    const file = `${execution.type}-${String(index.length + 1).padStart(3, '0')}.json`;
    fs.writeFileSync(path.join(outDir, file), withoutStackTraces(historyToJSON(history)));
    index.push({ file, workflowId: execution.workflowId, type: execution.type });
  }
}

async function main(): Promise<void> {
  const label = process.argv[2];
  const scenarios = process.argv[3] ? [process.argv[3]] : ['core', 'queue'];
  if (!label || !/^[A-Za-z0-9._-]+$/.test(label) || scenarios.some((name) => name !== 'core' && name !== 'queue')) {
    throw new Error('usage: npm run record-history -- <label> [core|queue]  (label: letters, digits, . _ -; default both scenarios)');
  }
  const outDir = path.resolve(__dirname, '..', 'test', 'histories', label);
  if (fs.existsSync(outDir)) throw new Error(`${outDir} exists already: recorded histories are never overwritten`);
  // A low threshold makes the project (and the merge queue) continue-as-new mid-way, so that path is recorded too.
  const server = { dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 120 } };
  // Replay needs each run's workflow id, which a history does not carry: keep them in an index.
  const index: { file: string; workflowId: string; type: string }[] = [];
  fs.mkdirSync(outDir, { recursive: true });

  if (scenarios.includes('core')) {
    const taskQueue = `record-${label}-${Date.now().toString(36)}`;
    await withScriptedDeployment({ taskQueue, agents, server }, async (client) => {
      const handle = await client.workflow.start(projectWorkflow, {
        taskQueue,
        workflowId: taskQueue,
        args: [{ goal: 'record a representative run', repo: '/unused', limits: { maxParallelWorkers: 2, maxCycles: 8 } }],
      });
      await handle.signal(steerSignal, { instruction: 'keep it simple' });
      await handle.signal(pauseSignal);
      await handle.query(projectStatusQuery);
      await handle.executeUpdate(setLimitsUpdate, { args: [{ maxParallelWorkers: 3 }] });
      await handle.signal(resumeSignal);
      // A model outage past the budget pauses the project, and the provider's recovery resumes it.
      const since = new Date().toISOString();
      await handle.signal(modelOutageSignal, { state: 'down', reason: 'OpenAI failed to answer (500).', since });
      await handle.query(projectStatusQuery);
      await handle.signal(modelOutageSignal, { state: 'up', reason: 'the model provider answers again', since });
      await handle.result();
      await saveHistories(client, taskQueue, outDir, index);
    });
  }

  if (scenarios.includes('queue')) {
    const taskQueue = `record-${label}-queue-${Date.now().toString(36)}`;
    const repo = createRepo();
    const scratch = tempDir('record-queue');
    // Git is real here: the queue's steps stack, test and land commits on `repo`.
    const workspace = new GitWorkspace({ workdir: path.join(scratch, 'work') });
    // Slow enough for the next batch to gather while one is tested.
    const testCommand = 'sleep 1; if grep -l BROKEN work/*.txt; then echo "tests failed" >&2; exit 1; fi';
    try {
      await withScriptedDeployment({ taskQueue, agents: gatedAgents(), server, workspace, concurrency: { work: 4 } }, async (client) => {
        const input = {
          goal: 'record a gated run',
          repo,
          testCommand,
          limits: { maxParallelWorkers: 4 },
          mergeQueue: { maxBatch: 2, batchDelayMs: 300 },
          sandbox: { enabled: false },
        };
        await client.workflow.execute(projectWorkflow, { taskQueue, workflowId: taskQueue, args: [input] });
        const queue = client.workflow.getHandle(mergeQueueWorkflowId(repo, `longhaul/${taskQueue}`));
        // The queue would wait 10 minutes for more work before it ends by itself.
        await queue.query(mergeQueueStatusQuery);
        await queue.terminate('recording finished');
        await saveHistories(client, taskQueue, outDir, index);
      });
    } finally {
      removeDir(repo);
      removeDir(scratch);
    }
  }

  fs.writeFileSync(path.join(outDir, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
  console.log(`Recorded ${index.length} histories into ${path.relative(process.cwd(), outDir)}`);
}

/** Stack traces of failed activities name files on the recording machine; replay does not need them. */
function withoutStackTraces(json: string): string {
  return JSON.stringify(
    JSON.parse(json, (key: string, value: unknown) => (key === 'stackTrace' ? '' : value)),
    null,
    2,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
