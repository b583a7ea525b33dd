import type { PlannerNode } from '../../schemas/status';

export interface PlannerTreeRow {
  /** Box-drawing prefix that shows the row's place in the tree. */
  prefix: string;
  node: PlannerNode;
}

/**
 * Orders the flat planner list of `status().planners` as a tree (joined on `parentId`), depth first,
 * siblings in the order the project reported them. A planner whose parent is not in the list (the
 * root, or one whose parent was already dropped) starts a tree of its own.
 */
export function plannerTreeRows(nodes: readonly PlannerNode[]): PlannerTreeRow[] {
  const ids = new Set(nodes.map((n) => n.workflowId));
  const children = new Map<string, PlannerNode[]>();
  const roots: PlannerNode[] = [];
  for (const node of nodes) {
    if (node.parentId !== undefined && ids.has(node.parentId) && node.parentId !== node.workflowId) {
      const siblings = children.get(node.parentId) ?? [];
      siblings.push(node);
      children.set(node.parentId, siblings);
    } else {
      roots.push(node);
    }
  }
  const rows: PlannerTreeRow[] = [];
  const seen = new Set<string>();
  const visit = (node: PlannerNode, lead: string, branch: string): void => {
    if (seen.has(node.workflowId)) return; // A malformed list must not loop forever.
    seen.add(node.workflowId);
    rows.push({ prefix: lead + branch, node });
    const kids = children.get(node.workflowId) ?? [];
    const childLead = lead + (branch === '' ? '' : branch === '└─ ' ? '   ' : '│  ');
    kids.forEach((kid, index) => visit(kid, childLead, index === kids.length - 1 ? '└─ ' : '├─ '));
  };
  for (const root of roots) visit(root, '', '');
  return rows;
}
