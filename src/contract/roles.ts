import { z } from 'zod';

/**
 * The pattern's three roles. Everything chosen per role is keyed by it: the model
 * (`models.planner`), the activity task queue, the agents a worker process runs at once and the
 * activity timeouts.
 */
export const roles = ['planner', 'worker', 'judge'] as const;
export const Role = z.enum(roles);
export type Role = z.infer<typeof Role>;

/**
 * A role's short name: its activities poll `<workflow queue>-<name>`, `longhaul worker --role <name>`
 * runs them, and `concurrency.<name>` sizes them. Part of the public contract.
 */
export const roleQueueNames = { planner: 'plan', worker: 'work', judge: 'judge' } as const satisfies Record<Role, string>;
export type RoleQueueName = (typeof roleQueueNames)[Role];

/** The merge queues' test and land steps, which no role's agent runs: `longhaul worker --role merge`. */
export const mergeWorkerRole = 'merge';

/** What one worker process can poll: the workflow queue, one role's activity queue, or the merge queues'. */
export const workerRoles = ['workflow', ...roles.map((role) => roleQueueNames[role]), mergeWorkerRole] as readonly [
  'workflow',
  ...RoleQueueName[],
  typeof mergeWorkerRole,
];
export type WorkerRole = 'workflow' | RoleQueueName | typeof mergeWorkerRole;

export function roleOfQueueName(name: RoleQueueName): Role {
  return roles.find((role) => roleQueueNames[role] === name) as Role;
}

/** What a workflow is in a project's tree, as the `LonghaulRole` search attribute names it. */
export const workflowKinds = ['project', 'cycle', 'planner', 'merge_queue'] as const;
export type WorkflowKind = (typeof workflowKinds)[number];

export function parseWorkerRoles(value: string | undefined): WorkerRole[] {
  if (!value || value === 'all') return [...workerRoles];
  const names = value.split(',').map((r) => r.trim());
  for (const name of names) {
    if (!(workerRoles as readonly string[]).includes(name)) {
      throw new Error(`Unknown worker role "${name}": use one or more of ${workerRoles.join(', ')} (comma-separated), or "all".`);
    }
  }
  return names as WorkerRole[];
}
