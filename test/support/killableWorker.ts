/**
 * A longhaul worker process for crash tests: all roles, scripted agents, the real git workspace.
 * Every agent step is appended to a shared log so the test can see what ran where.
 * Environment: LONGHAUL_TEST_SERVER_INFO, TEST_TASK_QUEUE, TEST_WORKDIR, TEST_LOG, TEST_TASKS.
 */
import * as fs from 'node:fs';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { GitWorkspace } from '../../src/git/gitWorkspace';
import { createLonghaulWorkers, runLonghaulWorkers } from '../../src/workers/createLonghaulWorkers';
import { workerRoles } from '../../src/contract/roles';
import { scriptedAgents, writeTaskFile } from './scriptedAgents';
import { testDeps } from './testDeps';
import { readTestServerInfo } from './testServerInfo';
import { quietLogger } from './quietLogger';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  const log = required('TEST_LOG');
  const tasks = Number(required('TEST_TASKS'));
  const note = (line: string): void => fs.appendFileSync(log, `${process.pid} ${line}\n`);
  Runtime.install({ logger: quietLogger() });
  const agents = scriptedAgents({
    plan: (req) => ({
      summary: 'plan',
      tasks: req.round === 0 ? Array.from({ length: tasks }, (_, i) => ({ title: `file ${i + 1}`, instructions: 'write it' })) : [],
      subplanners: [],
      done: req.round > 0,
    }),
    async work(req, ctx) {
      note(`work-start ${req.taskId}`);
      await new Promise((r) => setTimeout(r, 700));
      if (ctx.signal.aborted) throw new Error('cancelled');
      const outcome = writeTaskFile(req);
      note(`work-done ${req.taskId}`);
      return outcome;
    },
    judge: () => ({ verdict: 'done', reasons: 'all files written' }),
  });
  const info = readTestServerInfo();
  const connection = await NativeConnection.connect({ address: info.address });
  const workers = await createLonghaulWorkers({
    connection,
    namespace: info.namespace,
    taskQueue: required('TEST_TASK_QUEUE'),
    roles: [...workerRoles],
    deps: testDeps(agents, new GitWorkspace({ workdir: required('TEST_WORKDIR') })),
    workflows: { workflowBundle: { codePath: info.workflowBundlePath } },
    concurrency: { work: 4 },
  });
  note('ready');
  await runLonghaulWorkers(workers);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
