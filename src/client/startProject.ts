import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { ProjectInput } from '../schemas/projectInput';
import type { projectWorkflow } from '../workflows/projectWorkflow';
import { longhaulProjectKey, longhaulRoleKey } from '../contract/searchAttributes';
import { defaultWorkflowTaskQueue } from '../contract/taskQueues';
import { InvalidProjectInputError, ProjectAlreadyStartedError, SearchAttributesMissingError } from './projectErrors';
import { getProject, type ProjectHandle } from './projectHandle';
import { projectIdProblem, projectWorkflowType } from '../contract/workflowIds';
import { issueLines } from '../schemas/describeIssues';
import { projectSummary } from './projectSummary';

export interface StartProjectOptions {
  /** The project's workflow id: letters, digits, `.`, `_` and `-`. */
  projectId: string;
  /** What to achieve and where; validated before anything is sent. */
  input: ProjectInput;
  /** The workflow task queue the longhaul workers poll; default `longhaul`. */
  taskQueue?: string;
  /**
   * Whether the namespace has longhaul's search attributes registered (default true). When false, the
   * project is started without them; Temporal rejects a start that names unknown attributes.
   */
  searchAttributes?: boolean;
}

/**
 * Starts a project. The input is checked against the same schema the workflow uses, so mistakes are
 * reported here rather than as a failed workflow. The goal becomes the run's summary in the Web UI.
 *
 * @throws InvalidProjectInputError when the id or input is not valid.
 * @throws ProjectAlreadyStartedError when a project with this id is running.
 * @throws SearchAttributesMissingError when the namespace lacks longhaul's search attributes.
 *
 * @example
 * const project = await startProject(client, {
 *   projectId: 'oauth-login',
 *   input: { goal: 'Add OAuth login', repo: 'git@example.com:acme/web.git', limits: { maxCostUsd: 50 } },
 * });
 * console.log((await project.status()).phase);
 */
export async function startProject(client: Client, options: StartProjectOptions): Promise<ProjectHandle> {
  const idProblem = projectIdProblem(options.projectId);
  if (idProblem) throw new InvalidProjectInputError(idProblem, [idProblem]);
  const parsed = ProjectInput.safeParse(options.input);
  if (!parsed.success) {
    const issues = issueLines(parsed.error, 'input');
    throw new InvalidProjectInputError(`Invalid project input: ${issues.join('; ')}`, issues);
  }
  const input = parsed.data;
  try {
    await client.workflow.start<typeof projectWorkflow>(projectWorkflowType, {
      workflowId: options.projectId,
      taskQueue: options.taskQueue ?? defaultWorkflowTaskQueue,
      args: [input],
      staticSummary: projectSummary(input),
      typedSearchAttributes:
        options.searchAttributes === false
          ? undefined
          : [
              { key: longhaulProjectKey, value: options.projectId },
              { key: longhaulRoleKey, value: 'project' },
            ],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new ProjectAlreadyStartedError(options.projectId);
    if (options.searchAttributes !== false && mentionsUnknownSearchAttribute(err)) {
      throw new SearchAttributesMissingError(client.options.namespace, { cause: err });
    }
    throw err;
  }
  return getProject(client, options.projectId);
}

/** The server's refusal of a start that names attributes the namespace has not registered. */
function mentionsUnknownSearchAttribute(err: unknown): boolean {
  for (let current: unknown = err, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (/search attribute/i.test(current.message) && /Longhaul(Project|Role)/.test(current.message)) return true;
  }
  return false;
}
