import { createHash } from 'node:crypto';

/**
 * The workflow id of the merge queue of one repository's target branch, whichever project or machine
 * submits to it. It hashes the repository, so workflow code (which has no hashing) never computes it:
 * the activities that join a queue and the clients that show one do.
 */
export function mergeQueueWorkflowId(repo: string, targetBranch: string): string {
  return `merge-queue/${targetBranch}@${createHash('sha256').update(repo.trim()).digest('hex').slice(0, 12)}`;
}
