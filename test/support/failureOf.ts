import { ApplicationFailure } from '@temporalio/common';

/** The rejection of `promise`, which must be an ApplicationFailure. */
export async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  let rejection: unknown;
  try {
    await promise;
  } catch (err) {
    rejection = err;
  }
  if (!(rejection instanceof ApplicationFailure)) {
    throw new Error(`expected an ApplicationFailure, got ${rejection === undefined ? 'success' : String(rejection)}`);
  }
  return rejection;
}
