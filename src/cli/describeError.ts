import { NamespaceNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import {
  InvalidProjectInputError,
  ProjectAlreadyStartedError,
  ProjectClosedError,
  ProjectNotAnsweringError,
  ProjectNotFoundError,
  ProjectStartingError,
} from '../client/projectErrors';
import { CliError } from './cliError';
import { exitCodes } from './exitCodes';
import type { TemporalTarget } from './temporalTarget';

/** Turns an error from the client API into one message that says what to do next. */
export function describeError(err: unknown, target: TemporalTarget): CliError {
  if (err instanceof CliError) return err;
  const where = `${target.address} (namespace ${target.namespace})`;
  if (err instanceof ProjectNotFoundError) {
    return new CliError(`No project with id "${err.projectId}" on ${where}; list projects with \`longhaul list\`.`);
  }
  if (err instanceof ProjectClosedError) {
    return new CliError(`${err.message} See how it ended with \`longhaul status ${err.projectId}\`.`);
  }
  if (err instanceof ProjectNotAnsweringError) {
    return new CliError(`${err.message} Start them with \`longhaul worker\` (or \`longhaul run --id ${err.projectId}\`), then try again.`);
  }
  if (err instanceof ProjectStartingError) return new CliError(err.message);
  if (err instanceof ProjectAlreadyStartedError) {
    return new CliError(
      `${err.message} Watch it with \`longhaul watch ${err.projectId}\`, or attach workers with \`longhaul run --id ${err.projectId}\`.`,
    );
  }
  if (err instanceof InvalidProjectInputError) return new CliError(err.message, exitCodes.usage);
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause instanceof Error ? err.cause.message : err.message;
    return new CliError(`The project rejected the change: ${cause}`, exitCodes.usage);
  }
  if (err instanceof NamespaceNotFoundError) {
    return new CliError(`Namespace "${target.namespace}" does not exist on ${target.address}; set TEMPORAL_NAMESPACE or create it.`);
  }
  return new CliError(err instanceof Error ? err.message : String(err));
}
