import { getProject } from '../../client/projectHandle';
import type { Limits } from '../../schemas/limits';
import { defaultOutageBudgetMinutes } from '../../models/outageGuard';
import { cliConfig, withConnection, type CliIo, type GlobalOptions } from '../cliContext';
import { UsageError } from '../cliError';
import { describeError } from '../describeError';
import { exitCodes } from '../exitCodes';
import { limitsPatch, type LimitOptions } from '../projectOptions';
import { requireProjectId } from './projectIdArgument';

export interface LimitsCommandOptions extends LimitOptions {
  json?: boolean;
}

/** `limits`: changes limits through the project's `setLimits` update and prints the limits now in force. */
export async function limitsCommand(id: string, options: LimitsCommandOptions, globals: GlobalOptions, io: CliIo): Promise<number> {
  const projectId = requireProjectId(id);
  const patch = limitsPatch(options);
  if (Object.keys(patch).length === 0) {
    throw new UsageError('Name at least one limit to change, e.g. `longhaul limits <id> --max-cost 50 --deadline 48h` (see --help).');
  }
  const config = cliConfig(globals, io);
  return withConnection(config, io, async ({ client, target }) => {
    let limits: Limits;
    try {
      limits = await getProject(client, projectId).setLimits(patch);
    } catch (err) {
      throw describeError(err, target);
    }
    io.stdout.write(options.json ? `${JSON.stringify(limits, null, 2)}\n` : `${renderLimits(projectId, limits).join('\n')}\n`);
    return exitCodes.ok;
  });
}

export function renderLimits(projectId: string, limits: Limits): string[] {
  const row = (name: string, value: string | number | undefined): string => `  ${name.padEnd(22)} ${value ?? 'none'}`;
  return [
    `Limits of project ${projectId} now:`,
    row('maxCycles', limits.maxCycles),
    row('maxTasks', limits.maxTasks),
    row('maxTokens', limits.maxTokens),
    row('maxCostUsd', limits.maxCostUsd),
    row('deadline', limits.deadline),
    row('maxParallelWorkers', limits.maxParallelWorkers),
    row('maxPlannerDepth', limits.maxPlannerDepth),
    row('maxPlannerRounds', limits.maxPlannerRounds),
    row('outageBudgetMinutes', limits.outageBudgetMinutes ?? `${defaultOutageBudgetMinutes} (default)`),
  ];
}
