import { simpleGit } from 'simple-git';
import type { RunFacts } from './runFacts';
import type { FinishTaskInput } from './tools/terminalTools';
import { inlineCode } from './promptInputs';

/** True when git sees uncommitted changes in `dir`; false too when `dir` is not a git working copy. */
async function hasUncommittedChanges(dir: string): Promise<boolean> {
  const git = simpleGit(dir);
  if (!(await git.checkIsRepo())) return false;
  return !(await git.status()).isClean();
}

/**
 * A worker's `done` is sent back once, with the reason, when the run changed nothing or never ran the
 * project's test command: the two shortcuts long runs take. The model may still insist (a task that
 * needs no change exists), and its second `finish_task` is accepted.
 */
export function workerFinishReview(work: { dir: string; testCommand?: string | undefined }) {
  return async (value: FinishTaskInput, facts: RunFacts): Promise<string | undefined> => {
    if (value.outcome !== 'done') return undefined;
    const reasons: string[] = [];
    if (facts.filesChanged.size === 0 && !(await hasUncommittedChanges(work.dir))) {
      reasons.push('your working copy has no change: nothing was written or edited');
    }
    if (work.testCommand !== undefined && !facts.ran(work.testCommand)) {
      reasons.push(`you never ran the project's test command ${inlineCode(work.testCommand)}`);
    }
    if (reasons.length === 0) return undefined;
    return (
      `outcome "done" is sent back once because ${reasons.join(', and ')}. Do the missing work and verify it, then call ` +
      'finish_task again. If the task truly needs no change or the tests cannot run, call finish_task again and say why in the summary.'
    );
  };
}
