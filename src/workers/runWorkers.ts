import { Runtime } from '@temporalio/worker';
import { payloadDataConverter } from '../codec/payloadDataConverter';
import type { LonghaulConfig } from '../config/longhaulConfig';
import { connectWorker } from './connectWorker';
import { createLonghaulWorkers, runLonghaulWorkers } from './createLonghaulWorkers';
import { describeSandbox } from '../sandbox/describeSandbox';
import { createProductionDeps, createWorkerSandboxes } from './createProductionDeps';
import { workflowSource } from './workflowSource';
import type { WorkerRole } from '../contract/roles';

export interface RunWorkersOptions {
  config: LonghaulConfig;
  address: string;
  roles: WorkerRole[];
  /** Stop when this settles (e.g. the CLI's run finished); otherwise run until SIGINT/SIGTERM. */
  until?: Promise<unknown>;
}

/**
 * Runs longhaul's Temporal workers with the real agents and git workspaces. SIGINT/SIGTERM shut them
 * down gracefully (the SDK's runtime handles the signals): running activities finish or are handed
 * back to Temporal, and nothing is lost.
 */
export async function runWorkers(options: RunWorkersOptions): Promise<void> {
  const { config } = options;
  const connection = await connectWorker(config, options.address);
  const sandboxes = createWorkerSandboxes(config);
  try {
    const workers = await createLonghaulWorkers({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      roles: options.roles,
      deps: createProductionDeps(config, process.env, sandboxes),
      workflows: workflowSource(config.payloadKeys !== undefined),
      concurrency: config.concurrency,
      dataConverter: payloadDataConverter(config.payloadKeys),
    });
    Runtime.instance().logger.info('longhaul workers running', {
      address: options.address,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      roles: options.roles.join(','),
      // Which key encrypts (ids are not secrets); the keys themselves are never logged.
      payloadEncryption: config.payloadKeys ? `key ${config.payloadKeys.encryptingKeyId}` : 'off',
      sandbox: describeSandbox(sandboxes.defaults),
    });
    const unavailable = sandboxes.defaults.enabled ? await sandboxes.unavailable() : undefined;
    // Not fatal: planners need no sandbox; workers refuse each command and say why.
    if (unavailable !== undefined) Runtime.instance().logger.warn(`commands will be refused: ${unavailable}`);
    await runLonghaulWorkers(workers, options.until);
  } finally {
    await connection.close();
  }
}
