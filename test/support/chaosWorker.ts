/**
 * A longhaul worker process for chaos runs: all roles, the real agents, model clients and git
 * workspace, against the fake model server and dev server the run names.
 * Environment: CHAOS_ADDRESS, CHAOS_TASK_QUEUE, CHAOS_BUNDLE, and the provider and LONGHAUL_* settings.
 */
import { NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig } from '../../src/config/longhaulConfig';
import { workerRoles } from '../../src/contract/roles';
import { createLonghaulWorkers, runLonghaulWorkers } from '../../src/workers/createLonghaulWorkers';
import { createProductionDeps } from '../../src/workers/createProductionDeps';
import { quietLogger } from './quietLogger';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  Runtime.install({ logger: quietLogger() });
  const connection = await NativeConnection.connect({ address: required('CHAOS_ADDRESS') });
  const workers = await createLonghaulWorkers({
    connection,
    namespace: 'default',
    taskQueue: required('CHAOS_TASK_QUEUE'),
    roles: [...workerRoles],
    deps: createProductionDeps(loadConfig({ cwd: process.cwd(), env: process.env }), process.env),
    workflows: { workflowBundle: { codePath: required('CHAOS_BUNDLE') } },
    concurrency: { work: Number(process.env.CHAOS_WORKERS ?? 4) },
  });
  process.stdout.write('ready\n');
  await runLonghaulWorkers(workers);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
