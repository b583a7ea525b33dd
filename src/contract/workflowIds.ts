/**
 * Workflow ids of a project's workflows. A project id becomes part of branch names, so it is kept to
 * letters, digits, `.`, `_` and `-` (the project workflow rejects anything else at start).
 */
export const projectIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** The workflow type of a project, as visibility queries and `temporal workflow start` name it. */
export const projectWorkflowType = 'projectWorkflow';

export function isValidProjectId(id: string): boolean {
  return projectIdPattern.test(id);
}

/** A readable explanation of why `id` is not a project id, or undefined when it is one. */
export function projectIdProblem(id: string): string | undefined {
  if (isValidProjectId(id)) return undefined;
  return `"${id}" is not a valid project id: use 1-100 letters, digits, ".", "_" and "-", starting with a letter or digit`;
}

export function cycleWorkflowId(projectId: string, cycle: number): string {
  return `${projectId}/cycle-${cycle}`;
}

export function rootPlannerWorkflowId(projectId: string, cycle: number): string {
  return `${cycleWorkflowId(projectId, cycle)}/planner`;
}

/** A sub-planner's id: its parent's id and a slug of its area, numbered when a sibling has it already. */
export function subPlannerWorkflowId(parentId: string, area: string, siblingIds: ReadonlySet<string>): string {
  const base = `${parentId}/${areaSlug(area)}`;
  if (!siblingIds.has(base)) return base;
  let n = 2;
  while (siblingIds.has(`${base}-${n}`)) n++;
  return `${base}-${n}`;
}

/** Turns a planner's area name into a short, readable piece of a workflow id. */
function areaSlug(area: string): string {
  const slug = area
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  return slug || 'area';
}

/**
 * A project id made from the goal's first words and the current time, for runs started without
 * `--id`: readable in the Web UI and unique enough for one operator.
 */
export function generateProjectId(goal: string, now: Date = new Date()): string {
  const slug = goal
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .split('-')
    .slice(0, 5)
    .join('-')
    .slice(0, 40)
    .replace(/-+$/, '');
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${slug || 'project'}-${stamp}`;
}
