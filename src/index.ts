/**
 * longhaul's programmatic API: start, watch and steer projects from your own service, and run the
 * workers in-process. See docs/operator.md for an example.
 */
export { connectClient, defaultLocalAddress, type ConnectClientOptions } from './client/connectClient';
export { startProject, type StartProjectOptions } from './client/startProject';
export {
  getProject,
  ProjectHandle,
  type CallOptions,
  type ExecutionStatusName,
  type ProjectExecution,
  type StatusOptions,
} from './client/projectHandle';
export { listProjects, listProjectWorkflows, type ListProjectsOptions, type WorkflowListing } from './client/listProjects';
export { missingSearchAttributes } from './client/searchAttributeCheck';
export {
  InvalidProjectInputError,
  ProjectAlreadyStartedError,
  ProjectClosedError,
  ProjectNotAnsweringError,
  ProjectNotFoundError,
  ProjectStartingError,
  SearchAttributesMissingError,
  UnexpectedProjectDataError,
} from './client/projectErrors';
export { cycleWorkflowId, generateProjectId, isValidProjectId, projectWorkflowType, rootPlannerWorkflowId } from './contract/workflowIds';
export { loadConfig, type LoadConfigOptions, type LonghaulConfig } from './config/longhaulConfig';
export { parsePayloadKeys, PayloadKeyRing, PayloadKeysError } from './codec/payloadKeys';
export { AesGcmPayloadCodec } from './codec/aesGcmPayloadCodec';
export { payloadDataConverter } from './codec/payloadDataConverter';
export { startCodecServer, type CodecServerOptions, type RunningCodecServer } from './codec/codecServer';
export { ProjectInput } from './schemas/projectInput';
export { Limits, LimitsPatch, defaultLimits } from './schemas/limits';
export {
  ProjectMergeQueue,
  ProjectResult,
  ProjectStatus,
  ProjectTarget,
  PlannerNode,
  type ProjectOutcome,
  type ProjectPhase,
} from './schemas/status';
export { PlannerStatus } from './schemas/plannerStatus';
export { CycleStatus } from './schemas/cycle';
export { longhaulSearchAttributeDefinitions } from './contract/searchAttributes';
export { workerRoles, type WorkerRole } from './contract/roles';
import type { RunWorkersOptions } from './workers/runWorkers';
export type { RunWorkersOptions };

/**
 * Runs longhaul's workers (real agents and git workspaces) in this process until `until` settles or
 * the process gets SIGINT/SIGTERM. Loaded on first use, so a service that only starts and watches
 * projects does not load the worker runtime and model SDKs.
 */
export async function runWorkers(options: RunWorkersOptions): Promise<void> {
  const workers = await import('./workers/runWorkers');
  return workers.runWorkers(options);
}
