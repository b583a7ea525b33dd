import * as fs from 'node:fs';
import * as path from 'node:path';
import { getProject, type ProjectExecution } from '../../client/projectHandle';
import { ProjectNotFoundError } from '../../client/projectErrors';
import { startProject } from '../../client/startProject';
import type { LonghaulConfig } from '../../config/longhaulConfig';
import type { ProjectInput } from '../../schemas/projectInput';
import { workerRoles } from '../../contract/roles';
import { cliConfig, connect, type CliIo, type GlobalOptions } from '../cliContext';
import { CliError, UsageError } from '../cliError';
import { describeError } from '../describeError';
import { exitCodes } from '../exitCodes';
import { detachOnInterrupt } from '../interrupts';
import { hasProjectDefinition, projectInput, type ProjectOptions } from '../projectOptions';
import { searchAttributesAvailable } from '../searchAttributeSupport';
import { workflowUiUrl } from '../temporalTarget';
import { exitCodeForOutcome, renderResult } from '../view/renderResult';
import { watchProject, type WatchEnd } from '../view/watchProject';
import { defaultProjectId, requireProjectId } from './projectIdArgument';
import { exitCodeForWatch, isInteractive } from './watchOutcome';
import { installRunRuntime } from './workerLog';

/**
 * `run`: starts a project (or attaches to the running one with the same `--id`), runs all workers in
 * this process and shows the live view until the project ends. Ctrl-C detaches: the workers shut down
 * gracefully and the project waits, durable in Temporal, until workers come back.
 */
export async function runCommand(options: ProjectOptions, globals: GlobalOptions, io: CliIo): Promise<number> {
  const input = hasProjectDefinition(options) ? projectInput(options, io.cwd) : undefined;
  if (!input && options.id === undefined) {
    throw new UsageError(
      'Give --goal "<what to achieve>" and --repo <path|url> to start a project, or --id <id> to attach to a running one.',
    );
  }
  if (input && !looksRemote(input.repo) && !fs.existsSync(input.repo)) {
    throw new UsageError(`--repo ${input.repo} does not exist here and is not a git URL.`);
  }
  const config = cliConfig(globals, io);
  const projectId = requireProjectId(options.id ?? defaultProjectId(input!.goal, config));
  await checkProviderKeys(input, config, io);

  const { client, target, close } = await connect(config, io);
  try {
    const project = getProject(client, projectId);
    let execution: ProjectExecution | undefined;
    try {
      execution = await project.describe();
    } catch (err) {
      if (!(err instanceof ProjectNotFoundError)) throw describeError(err, target);
    }
    let taskQueue = config.temporal.taskQueue;
    if (execution?.running) {
      taskQueue = execution.taskQueue;
      io.stderr.write(`Project ${projectId} is already running; attaching to it and running its workers here (task queue ${taskQueue}).\n`);
      if (input) io.stderr.write('It keeps the goal, repository and settings it was started with; the ones given now are not used.\n');
    } else if (execution?.status === 'COMPLETED') {
      const result = await project.result();
      io.stdout.write(`${renderResult(projectId, result).join('\n')}\n`);
      io.stderr.write(`Project ${projectId} has already ended. To start again, choose a new --id.\n`);
      return exitCodeForOutcome(result.outcome);
    } else {
      if (!input) {
        const state = execution ? `Its last run ${execution.status.toLowerCase()}.` : 'None exists.';
        throw new UsageError(
          `No running project with id "${projectId}" on ${target.address}. ${state} To start it, give --goal and --repo too.`,
        );
      }
      if (execution) io.stderr.write(`The previous run of ${projectId} ${execution.status.toLowerCase()}; starting it again.\n`);
      try {
        await startProject(client, { projectId, input, taskQueue, searchAttributes: await searchAttributesAvailable(client, io) });
      } catch (err) {
        throw describeError(err, target);
      }
      io.stderr.write(`Started project ${projectId} (task queue ${taskQueue}).\n`);
    }
    return await runWorkersAndWatch(
      { ...config, temporal: { ...config.temporal, taskQueue } },
      projectId,
      io,
      async (signal, footer) =>
        watchProject({
          project,
          out: io.stdout,
          tty: isInteractive(io.stdout, io.env),
          uiUrl: workflowUiUrl(target, projectId),
          footer,
          signal,
        }),
      target.address,
    );
  } finally {
    await close();
  }
}

async function runWorkersAndWatch(
  config: LonghaulConfig,
  projectId: string,
  io: CliIo,
  watch: (signal: AbortSignal, footer: string[]) => Promise<WatchEnd>,
  address: string,
): Promise<number> {
  const logFile = path.join(config.stateDir, 'logs', `${projectId}.log`);
  installRunRuntime(logFile);
  const { runWorkers } = await import('../../workers/runWorkers');
  const interrupts = detachOnInterrupt(io.stderr, () =>
    io.stderr.write(
      `\nDetaching: stopping this process's workers. Project ${projectId} waits in Temporal; continue with \`longhaul run --id ${projectId}\`.\n`,
    ),
  );
  let workerFailure: unknown;
  const stopWatching = new AbortController();
  interrupts.signal.addEventListener('abort', () => stopWatching.abort(), { once: true });
  try {
    const watching = watch(stopWatching.signal, [`${'workers'.padEnd(9)} running in this process · log ${logFile}`]);
    const workers = runWorkers({
      config,
      address,
      roles: [...workerRoles],
      until: watching.then(
        () => undefined,
        () => undefined,
      ),
    }).catch((err: unknown) => {
      workerFailure = err;
      stopWatching.abort();
    });
    const end = await watching;
    await workers;
    if (workerFailure !== undefined && !interrupts.signal.aborted) {
      throw new CliError(
        `The workers stopped: ${(workerFailure as Error).message ?? String(workerFailure)}. Project ${projectId} waits in Temporal; see ${logFile}, then continue with \`longhaul run --id ${projectId}\`.`,
      );
    }
    if (workerFailure !== undefined)
      io.stderr.write(`Workers stopped while detaching: ${(workerFailure as Error).message ?? String(workerFailure)}\n`);
    return exitCodeForWatch(end);
  } catch (err) {
    throw err instanceof CliError ? err : new CliError((err as Error).message ?? String(err));
  } finally {
    interrupts.dispose();
  }
}

/** Local workers need the providers' keys; say so before starting rather than as a failed project. */
async function checkProviderKeys(input: ProjectInput | undefined, config: LonghaulConfig, io: CliIo): Promise<void> {
  const models = { ...config.models, ...input?.models };
  const { assertProviderKeys } = await import('../../models/createModelClient');
  try {
    assertProviderKeys([models.planner, models.worker, models.judge], io.env);
  } catch (err) {
    throw new CliError(`${(err as Error).message} The workers of \`run\` read keys from this shell's environment.`, exitCodes.failure);
  }
}

/** A git URL (`scheme://…`) or scp-like address (`user@host:path`), which need not exist locally. */
function looksRemote(repo: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^(?:[^@/\s]+@)?[^/:\s]+:(?!\/\/)/.test(repo);
}
