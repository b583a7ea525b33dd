import { totalTokens } from '../../schemas/usage';
import type { ProjectOutcome, ProjectResult } from '../../schemas/status';
import { exitCodes, type ExitCode } from '../exitCodes';
import { formatCount, formatUsd, oneLine } from './formatting';

/** The summary printed when a project has ended. */
export function renderResult(projectId: string, result: ProjectResult): string[] {
  const lines = [`Project ${projectId} ended: ${result.outcome}${result.reason ? ` — ${oneLine(result.reason, 300)}` : ''}`];
  lines.push(
    `  ${result.cycles} cycle(s) · ${result.tasksDone} task(s) done, ${result.tasksFailed} failed · ` +
      `${formatCount(totalTokens(result.usage))} tokens · ${formatUsd(result.usage.costUsd)}`,
  );
  if (result.headCommit) lines.push(`  head commit ${result.headCommit}`);
  return lines;
}

/** `done` is success; every other outcome means the goal was not reached. */
export function exitCodeForOutcome(outcome: ProjectOutcome): ExitCode {
  return outcome === 'done' ? exitCodes.ok : exitCodes.notDone;
}
