import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import type { ActivityDeps } from '../../src/activities/activityDeps';
import { createLonghaulWorkers, runLonghaulWorkers } from '../../src/workers/createLonghaulWorkers';
import { workerRoles, type WorkerRole } from '../../src/contract/roles';
import { readTestServerInfo } from './testServerInfo';
import { quietLogger } from './quietLogger';

// Worker state changes at INFO would drown the test output.
let runtimeInstalled = false;
function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: quietLogger() });
}

let seq = 0;
/** A task queue (and id prefix) no other test uses, so test files can share one server. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++seq}`;
}

export async function testClient(): Promise<{ client: Client; close(): Promise<void> }> {
  const info = readTestServerInfo();
  const connection = await Connection.connect({ address: info.address });
  return { client: new Client({ connection, namespace: info.namespace }), close: () => connection.close() };
}

/** Runs longhaul's real workers (all roles by default) on the shared server while `fn` runs. */
export async function withLonghaulWorkers<T>(
  options: { taskQueue: string; deps: ActivityDeps; roles?: WorkerRole[]; concurrency?: { plan?: number; work?: number; judge?: number } },
  fn: (client: Client) => Promise<T>,
): Promise<T> {
  installQuietRuntime();
  const info = readTestServerInfo();
  const connection = await NativeConnection.connect({ address: info.address });
  const { client, close } = await testClient();
  try {
    const workers = await createLonghaulWorkers({
      connection,
      namespace: info.namespace,
      taskQueue: options.taskQueue,
      roles: options.roles ?? [...workerRoles],
      deps: options.deps,
      workflows: { workflowBundle: { codePath: info.workflowBundlePath } },
      concurrency: options.concurrency,
    });
    return await runLonghaulWorkers(workers, fn(client));
  } finally {
    await close();
    await connection.close();
  }
}
