import { generateProjectId, projectIdProblem } from '../../contract/workflowIds';
import type { LonghaulConfig } from '../../config/longhaulConfig';
import { UsageError } from '../cliError';

/**
 * The id of a project started without `--id`: from the goal's first words, except when payloads are
 * encrypted. Workflow ids are never encrypted, so then the goal stays out of it.
 */
export function defaultProjectId(goal: string, config: LonghaulConfig): string {
  return generateProjectId(config.payloadKeys ? '' : goal);
}

/** Checks a project id argument before anything is sent to Temporal. */
export function requireProjectId(id: string): string {
  const problem = projectIdProblem(id);
  if (problem) throw new UsageError(`${problem}. List projects with \`longhaul list\`.`);
  return id;
}
