import { parseWorkerRoles, type WorkerRole } from '../../contract/roles';
import { cliConfig, type CliIo, type GlobalOptions } from '../cliContext';
import { CliError, UsageError } from '../cliError';
import { exitCodes } from '../exitCodes';
import { resolveTemporalTarget } from '../temporalTarget';

export interface WorkerOptions {
  role?: string;
}

/**
 * `worker`: runs longhaul's workers in the foreground until SIGINT/SIGTERM, which shut them down
 * gracefully (running activities are handed back to Temporal and retried elsewhere).
 */
export async function workerCommand(options: WorkerOptions, globals: GlobalOptions, io: CliIo): Promise<number> {
  let roles: WorkerRole[];
  try {
    roles = parseWorkerRoles(options.role);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const config = cliConfig(globals, io);
  const target = await resolveTemporalTarget(config, io.env, (message) => io.stderr.write(`${message}\n`));
  io.stderr.write(
    `longhaul workers (${roles.join(', ')}) for task queue ${config.temporal.taskQueue} on ${target.address}, namespace ${target.namespace}. ` +
      'Ctrl-C stops them gracefully.\n',
  );
  const { runWorkers } = await import('../../workers/runWorkers');
  try {
    await runWorkers({ config, address: target.address, roles });
  } catch (err) {
    throw new CliError(`The workers stopped: ${(err as Error).message}`);
  }
  io.stderr.write('Workers stopped.\n');
  return exitCodes.ok;
}
