/** The kinds of Temporal worker one longhaul process can run. */
export const workerRoles = ['workflow', 'plan', 'work', 'judge'] as const;
export type WorkerRole = (typeof workerRoles)[number];

export function parseWorkerRoles(value: string | undefined): WorkerRole[] {
  if (!value || value === 'all') return [...workerRoles];
  const roles = value.split(',').map((r) => r.trim());
  for (const role of roles) {
    if (!(workerRoles as readonly string[]).includes(role)) {
      throw new Error(`Unknown worker role "${role}": use one or more of ${workerRoles.join(', ')} (comma-separated), or "all".`);
    }
  }
  return roles as WorkerRole[];
}
