import type { OutputStream } from '../outputStream';
import { exitCodes, type ExitCode } from '../exitCodes';
import { exitCodeForOutcome } from '../view/renderResult';
import type { WatchEnd } from '../view/watchProject';

/** The exit code of `run` and `watch` for how the live view ended. */
export function exitCodeForWatch(end: WatchEnd): ExitCode {
  switch (end.kind) {
    case 'finished':
      return exitCodeForOutcome(end.result.outcome);
    case 'failed':
      return exitCodes.projectFailed;
    case 'detached':
      return exitCodes.detached;
  }
}

/** True when stdout is a terminal that understands cursor movement. */
export function isInteractive(stdout: OutputStream, env: NodeJS.ProcessEnv): boolean {
  return Boolean(stdout.isTTY) && env.TERM !== 'dumb' && !env.CI;
}
