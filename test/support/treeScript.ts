import type { AgentScript } from './scriptedAgents';
import { writeTaskFile } from './scriptedAgents';

export interface TreeShape {
  /** Sub-planners each planner at depth d spawns (the tree's depth is `branching.length`). */
  branching: number[];
  /** Tasks each leaf planner creates in the given cycle. */
  tasksPerLeaf(cycle: number): number;
  /** The judge says done at this cycle. */
  cycles: number;
}

/**
 * A whole project as a script: planners split their area into sub-areas down to the leaves, leaves
 * create tasks, and the judge continues until the last cycle. Tracks how many workers run at once.
 */
export function treeScript(shape: TreeShape): AgentScript & { maxConcurrentWorkers(): number } {
  let running = 0;
  let maxRunning = 0;
  return {
    plan(req) {
      const isLeaf = req.depth >= shape.branching.length;
      const first = req.round === 0;
      return {
        summary: `${req.area}: ${isLeaf ? 'tasks' : 'sub-areas'}`,
        tasks:
          isLeaf && first
            ? Array.from({ length: shape.tasksPerLeaf(req.cycle) }, (_, i) => ({
                title: `${req.area} #${i + 1}`,
                instructions: `Implement part ${i + 1} of ${req.area}.`,
              }))
            : [],
        subplanners:
          !isLeaf && first
            ? Array.from({ length: shape.branching[req.depth] }, (_, i) => ({
                area: `${req.area === 'whole project' ? 'area' : req.area}.${i}`,
                goal: `Part ${i} of ${req.areaGoal}`,
              }))
            : [],
        done: true,
      };
    },
    async work(req) {
      running++;
      maxRunning = Math.max(maxRunning, running);
      try {
        await new Promise((r) => setTimeout(r, 5));
        return writeTaskFile(req);
      } finally {
        running--;
      }
    },
    judge(req) {
      return { verdict: req.cycle >= shape.cycles ? 'done' : 'continue', reasons: `cycle ${req.cycle} judged` };
    },
    maxConcurrentWorkers: () => maxRunning,
  };
}

export function leafCount(shape: Pick<TreeShape, 'branching'>): number {
  return shape.branching.reduce((a, b) => a * b, 1);
}
