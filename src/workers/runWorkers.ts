import { Runtime } from '@temporalio/worker';
import { payloadDataConverter } from '../codec/payloadDataConverter';
import type { LonghaulConfig } from '../config/longhaulConfig';
import { connectWorker } from './connectWorker';
import { createLonghaulWorkers, runLonghaulWorkers } from './createLonghaulWorkers';
import { disposalsSettled } from '../git/worktree/taskWorktree';
import { describeSandbox } from '../sandbox/describeSandbox';
import type { Sandboxes } from '../sandbox/sandboxes';
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
    // Checked while the workers already poll, so a slow trial never delays them.
    const sandboxCheck = sandboxes.defaults.enabled ? warnIfUnconfined(sandboxes) : Promise.resolve();
    await runLonghaulWorkers(workers, options.until);
    await sandboxCheck;
    // Worktrees of tasks parked in a merge queue may still be being removed.
    await disposalsSettled();
  } finally {
    await connection.close();
  }
}

/** Not fatal: planners need no sandbox, and workers refuse each command, saying why. */
async function warnIfUnconfined(sandboxes: Sandboxes): Promise<void> {
  try {
    const unavailable = await sandboxes.unavailable();
    if (unavailable !== undefined) Runtime.instance().logger.warn(`commands will be refused: ${unavailable}`);
  } catch (err) {
    Runtime.instance().logger.warn('could not check the command sandbox', { error: String(err) });
  }
}
