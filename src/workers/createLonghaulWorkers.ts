import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { activitiesByRole, createActivities, type LonghaulActivities } from '../activities/createActivities';
import type { ActivityDeps } from '../activities/activityDeps';
import { mergeQueueTaskQueue, roleTaskQueue } from '../contract/taskQueues';
import { mergeWorkerRole, roleOfQueueName, type RoleQueueName, type WorkerRole } from '../contract/roles';

export interface LonghaulWorkersOptions {
  connection: NativeConnection;
  namespace: string;
  /** The workflow task queue; each activity role polls `<taskQueue>-<role>`. */
  taskQueue: string;
  roles: WorkerRole[];
  deps: ActivityDeps;
  /** A pre-built bundle (production) or the source path to bundle on start (development). */
  workflows: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>;
  /** Concurrent activities per role (how many agents of that role this process runs at once). */
  concurrency?: Partial<Record<RoleQueueName | typeof mergeWorkerRole, number>>;
  /**
   * Encrypts payloads (`payloadDataConverter`); codecs run outside the workflow sandbox, so a pre-built
   * bundle must have been built with the same failure converter (see `workflowSource`).
   */
  dataConverter?: DataConverter;
}

// A merge activity holds a test run of one target's stack: a few targets per machine at once.
const defaultConcurrency = { plan: 4, work: 8, judge: 2, merge: 2 };

/** Creates one Temporal worker per requested role; run them together with `runLonghaulWorkers`. */
export async function createLonghaulWorkers(options: LonghaulWorkersOptions): Promise<Worker[]> {
  const activities = createActivities(options.deps);
  const pick = (names: readonly (keyof LonghaulActivities)[]): Partial<LonghaulActivities> =>
    Object.fromEntries(names.map((name) => [name, activities[name]]));
  const common = { connection: options.connection, namespace: options.namespace, dataConverter: options.dataConverter };
  const workers: Worker[] = [];
  for (const role of options.roles) {
    if (role === 'workflow') {
      workers.push(
        await Worker.create({
          ...common,
          ...options.workflows,
          taskQueue: options.taskQueue,
          activities: pick(activitiesByRole.workflow),
        }),
      );
      continue;
    }
    workers.push(
      await Worker.create({
        ...common,
        taskQueue:
          role === mergeWorkerRole ? mergeQueueTaskQueue(options.taskQueue) : roleTaskQueue(options.taskQueue, roleOfQueueName(role)),
        activities: pick(activitiesByRole[role]),
        maxConcurrentActivityTaskExecutions: options.concurrency?.[role] ?? defaultConcurrency[role],
        // Cancellation reaches an activity only with a heartbeat's answer: keep that wait short.
        maxHeartbeatThrottleInterval: '5 seconds',
      }),
    );
  }
  return workers;
}

/** Runs the workers until they are shut down (SIGINT/SIGTERM) or `until` settles. */
export function runLonghaulWorkers(workers: Worker[]): Promise<void>;
export function runLonghaulWorkers<T>(workers: Worker[], until: Promise<T>): Promise<T>;
export function runLonghaulWorkers<T>(workers: Worker[], until?: Promise<T>): Promise<T | void>;
export async function runLonghaulWorkers<T>(workers: Worker[], until?: Promise<T>): Promise<T | void> {
  if (!until) {
    await Promise.all(workers.map((w) => w.run()));
    return;
  }
  // Nest runUntil so every worker is shut down and drained before returning.
  const nest = (index: number): Promise<T> => (index === workers.length ? until : workers[index].runUntil(nest(index + 1)));
  return nest(0);
}
