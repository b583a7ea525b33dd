/**
 * A worker process that runs only the merge queue's activities (test and land a stack) with the real
 * git workspace, for crash tests: it can be killed mid-batch and replaced by another.
 * Environment: LONGHAUL_TEST_SERVER_INFO, TEST_TASK_QUEUE, TEST_WORKDIR, TEST_LOG.
 */
import * as fs from 'node:fs';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { GitWorkspace } from '../../src/git/gitWorkspace';
import { createLonghaulWorkers, runLonghaulWorkers } from '../../src/workers/createLonghaulWorkers';
import { quietLogger } from './quietLogger';
import { scriptedAgents } from './scriptedAgents';
import { testDeps } from './testDeps';
import { readTestServerInfo } from './testServerInfo';
import { unconfined } from './unconfined';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  Runtime.install({ logger: quietLogger() });
  const info = readTestServerInfo();
  const connection = await NativeConnection.connect({ address: info.address });
  const unused = scriptedAgents({
    plan: () => {
      throw new Error('this process only runs the merge queue');
    },
    judge: () => {
      throw new Error('this process only runs the merge queue');
    },
  });
  const workers = await createLonghaulWorkers({
    connection,
    namespace: info.namespace,
    taskQueue: required('TEST_TASK_QUEUE'),
    roles: ['merge'],
    deps: testDeps(unused, new GitWorkspace({ sandboxes: unconfined(), workdir: required('TEST_WORKDIR') })),
    workflows: { workflowBundle: { codePath: info.workflowBundlePath } },
  });
  fs.appendFileSync(required('TEST_LOG'), `${process.pid} ready\n`);
  await runLonghaulWorkers(workers);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
