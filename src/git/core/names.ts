import { createHash } from 'node:crypto';

export function shortHash(text: string, length = 12): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/**
 * A branch-name and file-name safe rendering of an id. Ids that needed changes get a hash suffix so
 * two different ids never map to the same segment.
 */
export function safeSegment(id: string, maxLength = 80): string {
  let segment = id
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[.-]+/, '')
    .replace(/(\.lock|\.)+$/i, '')
    .slice(0, maxLength);
  if (segment !== id || segment.length === 0) {
    segment = `${segment.replace(/[.-]+$/, '')}-${shortHash(id, 8)}`.replace(/^-/, '');
  }
  return segment;
}

/** The branch a task's work lives on in the cache clone (never pushed to the source). */
export function taskBranchName(projectId: string, cycle: number, taskId: string): string {
  return `longhaul/${safeSegment(projectId)}/c${cycle}/${safeSegment(taskId)}`;
}

/** Directory name of a task's worktree, unique per branch. */
export function taskWorktreeName(branch: string): string {
  const readable = branch
    .replace(/^longhaul\//, '')
    .replace(/\//g, '-')
    .slice(0, 100);
  return `${readable}-${shortHash(branch, 8)}`;
}

/** A git full object name (SHA-1 or SHA-256). */
export const fullShaPattern = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** A full object name parsed from git's output; anything else means the output was not what git promised. */
export function requireSha(text: string, what: string): string {
  const sha = text.trim();
  if (!fullShaPattern.test(sha)) throw new Error(`expected ${what} to be an object name, got "${sha.slice(0, 80)}"`);
  return sha;
}
