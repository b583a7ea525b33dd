import { safeSegment, shortHash } from '../core/names';

/**
 * Hidden refs on the source through which task commits and tested stacks travel between machines:
 * each machine has its own repository cache, so whatever runs the merge queue fetches them from here.
 * Outside refs/heads and refs/tags, clones and fetches of the project's users never see them.
 */
export const queueRefPrefix = 'refs/longhaul/';

/** One submission of a task: named by its commit, so a later submission never overwrites one in a batch. */
export function taskQueueRef(targetBranch: string, taskId: string, commit: string): string {
  return `${queueRefPrefix}queue/${shortHash(targetBranch, 12)}/${safeSegment(taskId)}-${commit.slice(0, 12)}`;
}

/** The stack last tested for a target in a lane (a batch tested ahead of another has its own), which the landing step pushes onto it. */
export function stackRef(targetBranch: string, lane = 0): string {
  return `${queueRefPrefix}stacks/${shortHash(targetBranch, 12)}${lane === 0 ? '' : `-${lane}`}`;
}
