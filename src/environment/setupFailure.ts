import { ApplicationFailure } from '@temporalio/common';
import type { SetupRun } from './setupRun';

export const setupFailedType = 'LonghaulSetupFailed';

/** Characters of setup output a failure carries in its message; the transcript has the rest. */
const messageOutputChars = 6_000;

/** What a failed setup tells a person: what ran where, how it ended, where the output is, its tail. */
export function describeSetupFailure(where: string, run: SetupRun): string {
  const ending = run.timedOut ? 'timed out' : `failed with exit code ${run.exitCode}`;
  const tail = run.output.length > messageOutputChars ? `…${run.output.slice(-messageOutputChars)}` : run.output;
  return `setup command \`${run.command}\` ${ending} ${where} (whole output in ${run.transcriptRef}):\n${tail.trimEnd()}`;
}

/**
 * A setup that failed on a clean checkout fails the same way on a retry, and every task would hit it:
 * not retryable. The output travels in the message (bounded) so the cycle's failure shows it.
 */
export function setupFailure(where: string, run: SetupRun): ApplicationFailure {
  return ApplicationFailure.create({
    type: setupFailedType,
    nonRetryable: true,
    message: describeSetupFailure(where, run),
    details: [{ transcriptRef: run.transcriptRef, exitCode: run.exitCode, timedOut: run.timedOut }],
  });
}
