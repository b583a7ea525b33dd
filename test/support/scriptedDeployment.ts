import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Runtime } from '@temporalio/worker';
import type { Agents } from '../../src/agents/agentContracts';
import type { Workspace } from '../../src/git/workspaceContract';
import { findTemporalCli } from '../../src/devServer/findTemporalCli';
import { startDevServer, type DevServerOptions } from '../../src/devServer/startDevServer';
import { createLonghaulWorkers, runLonghaulWorkers } from '../../src/workers/createLonghaulWorkers';
import { workerRoles } from '../../src/contract/roles';
import { RecordingWorkspace } from './recordingWorkspace';
import { testDeps } from './testDeps';
import { quietLogger } from './quietLogger';

export interface ScriptedDeploymentOptions {
  taskQueue: string;
  agents: Agents;
  /** For the throw-away dev server started when TEMPORAL_ADDRESS is not set. */
  server?: Pick<DevServerOptions, 'dynamicConfig' | 'dbFilename'>;
  concurrency?: { plan?: number; work?: number; judge?: number };
  /** Default: a recording stand-in (no git at all). */
  workspace?: Workspace;
  /** Default: the tests' short timeout, which a loaded machine may miss. */
  heartbeatTimeoutSeconds?: number;
}

/**
 * For scripts (benchmarks, history recording): longhaul's real workers with scripted agents, on
 * TEMPORAL_ADDRESS or on a dev server started for the occasion, while `fn` runs (given the workers'
 * connection, so a script can run workers of its own beside them).
 */
export async function withScriptedDeployment<T>(
  options: ScriptedDeploymentOptions,
  fn: (client: Client, connection: NativeConnection) => Promise<T>,
): Promise<T> {
  Runtime.install({ logger: quietLogger() });
  let address = process.env.TEMPORAL_ADDRESS;
  const cliPath = address ? undefined : findTemporalCli();
  if (!address && !cliPath) throw new Error('No Temporal CLI found: run scripts/install-temporal.sh or set TEMPORAL_ADDRESS');
  const server = cliPath ? await startDevServer({ cliPath, headless: true, ...options.server }) : undefined;
  address = server?.address ?? (address as string);
  const connection = await NativeConnection.connect({ address });
  const clientConnection = await Connection.connect({ address });
  const deps = testDeps(options.agents, options.workspace ?? new RecordingWorkspace());
  if (options.heartbeatTimeoutSeconds !== undefined) deps.defaults.heartbeatTimeoutSeconds = options.heartbeatTimeoutSeconds;
  try {
    const workers = await createLonghaulWorkers({
      connection,
      namespace: 'default',
      taskQueue: options.taskQueue,
      roles: [...workerRoles],
      deps,
      workflows: {
        workflowBundle: await bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), logger: quietLogger() }),
      },
      concurrency: options.concurrency,
    });
    return await runLonghaulWorkers(workers, fn(new Client({ connection: clientConnection }), connection));
  } finally {
    await connection.close();
    await clientConnection.close();
    await server?.stop();
  }
}
