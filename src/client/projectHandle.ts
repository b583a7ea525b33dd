import { isGrpcCancelledError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { z } from 'zod';
import { CycleStatus } from '../schemas/cycle';
import { Limits, LimitsPatch } from '../schemas/limits';
import { PlannerStatus } from '../schemas/plannerStatus';
import { MergeQueueStatus } from '../schemas/mergeQueue';
import { ProjectResult, ProjectStatus, type ProjectMergeQueue, type ProjectTarget } from '../schemas/status';
import { cycleStatusQuery } from '../contract/messages/cycleMessages';
import { plannerStatusQuery } from '../contract/messages/plannerMessages';
import { mergeQueueStatusQuery } from '../contract/messages/mergeQueueMessages';
import { projectStatusQuery, setLimitsUpdate } from '../contract/messages/projectMessages';
import { mergeQueueWorkflowId } from '../contract/mergeQueueWorkflowId';
import { pauseSignal, resumeSignal, SteerInput, steerSignal, stopSignal } from '../contract/messages/operatorMessages';
import { isDeadlineExceeded, isNoPoller, isQueryNotRegistered } from './callErrors';
import {
  InvalidProjectInputError,
  ProjectClosedError,
  ProjectNotAnsweringError,
  ProjectNotFoundError,
  ProjectStartingError,
  UnexpectedProjectDataError,
} from './projectErrors';
import { cycleWorkflowId } from '../contract/workflowIds';
import { issueLines } from '../schemas/describeIssues';

/** Temporal's execution status names, without the proto prefix. */
export type ExecutionStatusName =
  'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TERMINATED' | 'CONTINUED_AS_NEW' | 'TIMED_OUT' | 'UNKNOWN';

/** What Temporal knows about the latest run of a project, without asking the workflow. */
export interface ProjectExecution {
  projectId: string;
  runId: string;
  status: ExecutionStatusName;
  running: boolean;
  taskQueue: string;
  startTime: Date;
  closeTime?: Date;
  /** The one-line summary the project was started with (its goal), when it has one. */
  summary?: string;
}

export interface CallOptions {
  /** How long to wait for the workflow's answer; default 10 s (queries) or 30 s (updates). */
  timeoutMs?: number;
}

export interface StatusOptions extends CallOptions {
  /** Also ask the target's merge queue (default true); its answer goes into `mergeQueue`. */
  mergeQueue?: boolean;
}

const defaultQueryTimeoutMs = 10_000;
const defaultUpdateTimeoutMs = 30_000;

/**
 * A typed handle on one project, addressed by its workflow id so that every call reaches the latest
 * run (a project continues-as-new many times over its life). Creating one makes no call to Temporal.
 */
export class ProjectHandle {
  constructor(
    private readonly client: Client,
    /** The project's workflow id. */
    readonly projectId: string,
  ) {}

  /** The namespace this handle talks to. */
  get namespace(): string {
    return this.client.options.namespace;
  }

  /** Temporal's view of the latest run: status, times, task queue and summary. */
  async describe(): Promise<ProjectExecution> {
    try {
      const description = await this.workflow().describe();
      const status = description.status.name as ExecutionStatusName;
      return {
        projectId: this.projectId,
        runId: description.runId,
        status,
        running: status === 'RUNNING',
        taskQueue: description.taskQueue,
        startTime: description.startTime,
        closeTime: description.closeTime,
        summary: await description.staticSummary(),
      };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ProjectNotFoundError(this.projectId, this.namespace);
      throw err;
    }
  }

  /**
   * The live status: phase, cycle, planner tree, task counts, usage against limits, last verdict, and
   * (for a project with a test command) its target's merge queue, asked of the queue's own workflow.
   */
  async status(options: StatusOptions = {}): Promise<ProjectStatus> {
    const raw = await this.query(() => this.workflow().query(projectStatusQuery), options);
    const status = parseAnswer(ProjectStatus, raw, 'project status');
    if (options.mergeQueue === false || !status.target?.mergeQueue) return status;
    return { ...status, mergeQueue: await this.mergeQueueStatus(status.target, options) };
  }

  /**
   * The merge queue of the project's target: waiting, testing, recently landed and bounced tasks,
   * totals and the last failure. Never throws for a queue that cannot answer: `problem` says why.
   */
  async mergeQueueStatus(target: ProjectTarget, options: CallOptions = {}): Promise<ProjectMergeQueue> {
    const workflowId = mergeQueueWorkflowId(target.repo, target.branch);
    const timeoutMs = options.timeoutMs ?? defaultQueryTimeoutMs;
    try {
      const raw = await this.client.connection.withDeadline(Date.now() + timeoutMs, () =>
        this.client.workflow.getHandle(workflowId).query(mergeQueueStatusQuery),
      );
      return { workflowId, queue: parseAnswer(MergeQueueStatus, raw, 'merge queue status') };
    } catch (err) {
      // The queue starts with the first task ready to land (and its runs vanish after the retention).
      if (err instanceof WorkflowNotFoundError) return { workflowId, problem: 'no task has joined the merge queue yet' };
      if (isDeadlineExceeded(err) || isNoPoller(err) || isGrpcCancelledError(err)) {
        return { workflowId, problem: 'the merge queue did not answer: are workflow workers running?' };
      }
      if (err instanceof UnexpectedProjectDataError) return { workflowId, problem: err.message };
      throw err;
    }
  }

  /** Pauses the project: running tasks finish, no new task or cycle starts until `resume()`. */
  async pause(): Promise<void> {
    await this.signal(() => this.workflow().signal(pauseSignal));
  }

  async resume(): Promise<void> {
    await this.signal(() => this.workflow().signal(resumeSignal));
  }

  /** Gives the planners an instruction; it reaches the running cycle at once and every later cycle. */
  async steer(instruction: string): Promise<void> {
    const parsed = SteerInput.safeParse({ instruction });
    if (!parsed.success) {
      throw new InvalidProjectInputError(`Invalid steering instruction: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    }
    await this.signal(() => this.workflow().signal(steerSignal, parsed.data));
  }

  /** Asks the project to end after the current cycle (outcome `stopped`); running work is kept. */
  async stop(): Promise<void> {
    await this.signal(() => this.workflow().signal(stopSignal));
  }

  /** Cancels the project and its running cycle at once; unfinished tasks are abandoned. */
  async cancel(): Promise<void> {
    await this.signal(async () => {
      await this.workflow().cancel();
    });
  }

  /** Changes limits (taking effect at once) and returns the project's limits after the change. */
  async setLimits(patch: LimitsPatch, options: CallOptions = {}): Promise<Limits> {
    const parsed = LimitsPatch.safeParse(patch);
    if (!parsed.success) {
      const issues = issueLines(parsed.error, 'limits');
      throw new InvalidProjectInputError(`Invalid limits: ${issues.join('; ')}`, issues);
    }
    const timeoutMs = options.timeoutMs ?? defaultUpdateTimeoutMs;
    const raw = await this.answered(
      () =>
        this.client.connection.withDeadline(Date.now() + timeoutMs, () =>
          this.workflow().executeUpdate(setLimitsUpdate, { args: [parsed.data] }),
        ),
      timeoutMs,
    );
    return parseAnswer(Limits, raw, 'limits');
  }

  /** Waits for the project to end (following every continue-as-new) and returns its result. */
  async result(): Promise<ProjectResult> {
    let raw: unknown;
    try {
      raw = await this.workflow().result();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ProjectNotFoundError(this.projectId, this.namespace);
      throw err;
    }
    return parseAnswer(ProjectResult, raw, 'project result');
  }

  /** The status of one planner of this project (ids come from `status().planners`). */
  async plannerStatus(plannerWorkflowId: string, options: CallOptions = {}): Promise<PlannerStatus> {
    if (!plannerWorkflowId.startsWith(`${this.projectId}/`)) {
      throw new InvalidProjectInputError(`"${plannerWorkflowId}" is not a planner of project "${this.projectId}".`);
    }
    const raw = await this.query(
      () => this.client.workflow.getHandle(plannerWorkflowId).query(plannerStatusQuery),
      options,
      plannerWorkflowId,
    );
    return parseAnswer(PlannerStatus, raw, 'planner status');
  }

  /** The status of cycle `cycle` (1-based) of this project. */
  async cycleStatus(cycle: number, options: CallOptions = {}): Promise<CycleStatus> {
    if (!Number.isInteger(cycle) || cycle < 1) throw new InvalidProjectInputError(`Cycle numbers start at 1, not ${cycle}.`);
    const id = cycleWorkflowId(this.projectId, cycle);
    const raw = await this.query(() => this.client.workflow.getHandle(id).query(cycleStatusQuery), options, id);
    return parseAnswer(CycleStatus, raw, 'cycle status');
  }

  private workflow(): WorkflowHandle {
    return this.client.workflow.getHandle(this.projectId);
  }

  private async query<T>(call: () => Promise<T>, options: CallOptions, workflowId = this.projectId): Promise<T> {
    const timeoutMs = options.timeoutMs ?? defaultQueryTimeoutMs;
    try {
      return await this.answered(() => this.client.connection.withDeadline(Date.now() + timeoutMs, call), timeoutMs);
    } catch (err) {
      if (isQueryNotRegistered(err) && workflowId === this.projectId) throw new ProjectStartingError(this.projectId);
      if (err instanceof WorkflowNotFoundError && workflowId !== this.projectId) {
        throw new InvalidProjectInputError(`Project "${this.projectId}" has no workflow "${workflowId}".`);
      }
      throw err;
    }
  }

  /** Runs a query or update, translating "not there" and "nobody answered" into project errors. */
  private async answered<T>(call: () => Promise<T>, timeoutMs: number): Promise<T> {
    const started = Date.now();
    try {
      return await call();
    } catch (err) {
      // A call cut off at our deadline may surface as CANCELLED rather than DEADLINE_EXCEEDED (seen on a
      // busy server): past the deadline, either way nobody answered in time.
      const outOfTime = isGrpcCancelledError(err) && Date.now() - started >= timeoutMs;
      if (isDeadlineExceeded(err) || isNoPoller(err) || outOfTime)
        throw new ProjectNotAnsweringError(this.projectId, timeoutMs, { cause: err });
      if (err instanceof WorkflowNotFoundError) throw await this.notFoundReason();
      throw err;
    }
  }

  private async signal(send: () => Promise<void>): Promise<void> {
    try {
      await send();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw await this.notFoundReason();
      throw err;
    }
  }

  /** Temporal says "not found" both for unknown ids and for closed runs; tell the two apart. */
  private async notFoundReason(): Promise<Error> {
    const execution = await this.describe(); // Throws ProjectNotFoundError for an unknown id.
    return new ProjectClosedError(this.projectId, execution.status);
  }
}

/** A handle on the project with this workflow id. No call is made until a method is used. */
export function getProject(client: Client, projectId: string): ProjectHandle {
  return new ProjectHandle(client, projectId);
}

function parseAnswer<S extends z.ZodType>(schema: S, raw: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new UnexpectedProjectDataError(
      `The ${what} does not have the expected shape (are the workers running another version of longhaul?): ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
    );
  }
  return parsed.data;
}
