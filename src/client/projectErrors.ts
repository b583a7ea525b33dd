/** Errors the programmatic API throws, each naming what the caller can do about it. */

/** The project input (or another argument) does not pass validation; nothing was sent to Temporal. */
export class InvalidProjectInputError extends Error {
  override readonly name = 'InvalidProjectInputError';
  constructor(
    message: string,
    /** One line per problem, `path: message`. */
    readonly issues: string[] = [],
  ) {
    super(message);
  }
}

/** No workflow with the project's id exists in the namespace. */
export class ProjectNotFoundError extends Error {
  override readonly name = 'ProjectNotFoundError';
  constructor(
    readonly projectId: string,
    readonly namespace: string,
  ) {
    super(`No project with id "${projectId}" in namespace "${namespace}".`);
  }
}

/** The project exists but has closed, so it no longer takes signals or updates. */
export class ProjectClosedError extends Error {
  override readonly name = 'ProjectClosedError';
  constructor(
    readonly projectId: string,
    /** Temporal's execution status, e.g. `COMPLETED` or `TERMINATED`. */
    readonly executionStatus: string,
  ) {
    super(`Project "${projectId}" has already ended (${executionStatus.toLowerCase()}).`);
  }
}

/** A workflow with this id is already running. */
export class ProjectAlreadyStartedError extends Error {
  override readonly name = 'ProjectAlreadyStartedError';
  constructor(readonly projectId: string) {
    super(`A project with id "${projectId}" is already running.`);
  }
}

/**
 * A query or update got no answer in time, or the server knows no worker is polling. Queries and
 * updates are answered by a workflow worker, so this means no longhaul worker serves the project's
 * task queue (or none is keeping up).
 */
export class ProjectNotAnsweringError extends Error {
  override readonly name = 'ProjectNotAnsweringError';
  constructor(
    readonly projectId: string,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(
      `Project "${projectId}" did not answer (waited up to ${Math.round(timeoutMs / 1000)} s); are longhaul workers running for its task queue?`,
      options,
    );
  }
}

/** The workflow answered with something this version of longhaul does not understand. */
export class UnexpectedProjectDataError extends Error {
  override readonly name = 'UnexpectedProjectDataError';
}

/** The project has not finished starting (settings and model checks), so it cannot answer `status` yet. */
export class ProjectStartingError extends Error {
  override readonly name = 'ProjectStartingError';
  constructor(readonly projectId: string) {
    super(`Project "${projectId}" is still starting (resolving its settings and checking its models); ask again shortly.`);
  }
}

/** The namespace does not know longhaul's search attributes, so a start that sets them was refused. */
export class SearchAttributesMissingError extends Error {
  override readonly name = 'SearchAttributesMissingError';
  constructor(
    readonly namespace: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Namespace "${namespace}" does not have longhaul's search attributes registered. Register them ` +
        '(`temporal operator search-attribute create --name LonghaulProject --type Keyword --name LonghaulRole --type Keyword ' +
        '--name LonghaulCycle --type Int --name LonghaulPhase --type Keyword`), or start with `searchAttributes: false`.',
      options,
    );
  }
}
