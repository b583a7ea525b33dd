import { projectIdProblem } from '../../contract/workflowIds';
import { UsageError } from '../cliError';

/** Checks a project id argument before anything is sent to Temporal. */
export function requireProjectId(id: string): string {
  const problem = projectIdProblem(id);
  if (problem) throw new UsageError(`${problem}. List projects with \`longhaul list\`.`);
  return id;
}
