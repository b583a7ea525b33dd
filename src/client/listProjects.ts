import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { longhaulCycleKey, longhaulPhaseKey, longhaulProjectKey, longhaulRoleKey } from '../contract/searchAttributes';
import { InvalidProjectInputError } from './projectErrors';
import type { ExecutionStatusName } from './projectHandle';
import { projectIdProblem, projectWorkflowType } from '../contract/workflowIds';

/** One workflow as the visibility store lists it. */
export interface WorkflowListing {
  workflowId: string;
  runId: string;
  workflowType: string;
  status: ExecutionStatusName;
  taskQueue: string;
  startTime: Date;
  closeTime?: Date;
  /** Longhaul's search attributes, present when the namespace has them registered. */
  project?: string;
  role?: string;
  cycle?: number;
  phase?: string;
}

export interface ListProjectsOptions {
  /** Only projects still running. */
  running?: boolean;
  /** At most this many, newest first; default 50. */
  limit?: number;
}

/**
 * Lists projects through Temporal's visibility store (newest first). Every project workflow is found by
 * its workflow type; phase and cycle come from longhaul's search attributes where the namespace has them.
 * Runs that handed over to a newer run of the same project (continue-as-new) are left out.
 */
export async function listProjects(client: Client, options: ListProjectsOptions = {}): Promise<WorkflowListing[]> {
  const clauses = [`WorkflowType = "${projectWorkflowType}"`, `ExecutionStatus != "ContinuedAsNew"`];
  if (options.running) clauses.push(`ExecutionStatus = "Running"`);
  return collect(client, clauses.join(' AND '), options.limit ?? 50);
}

/**
 * Every workflow of one project (the project itself, its cycles and planners) that carries the
 * `LonghaulProject` search attribute, newest first. Empty when the namespace lacks the attribute.
 */
export async function listProjectWorkflows(
  client: Client,
  projectId: string,
  options: { limit?: number } = {},
): Promise<WorkflowListing[]> {
  const problem = projectIdProblem(projectId);
  if (problem) throw new InvalidProjectInputError(problem, [problem]);
  return collect(client, `${longhaulProjectKey.name} = "${projectId}"`, options.limit ?? 1_000);
}

async function collect(client: Client, query: string, limit: number): Promise<WorkflowListing[]> {
  const listings: WorkflowListing[] = [];
  if (limit <= 0) return listings;
  for await (const info of client.workflow.list({ query, pageSize: Math.min(limit, 1_000) })) {
    listings.push(toListing(info));
    if (listings.length >= limit) break;
  }
  return listings;
}

function toListing(info: WorkflowExecutionInfo): WorkflowListing {
  const attributes = info.typedSearchAttributes;
  const cycle = attributes.get(longhaulCycleKey);
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    workflowType: info.type,
    status: info.status.name as ExecutionStatusName,
    taskQueue: info.taskQueue,
    startTime: info.startTime,
    closeTime: info.closeTime,
    project: attributes.get(longhaulProjectKey),
    role: attributes.get(longhaulRoleKey),
    cycle: cycle === undefined ? undefined : Number(cycle),
    phase: attributes.get(longhaulPhaseKey),
  };
}
