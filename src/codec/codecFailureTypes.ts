import { ApplicationFailure } from '@temporalio/common';

/**
 * Failure types of payloads that cannot be decrypted; non-retryable, since the same keys fail again.
 * Kept apart from the codec so the failure converter (which also runs in the workflow sandbox) can
 * name them without loading node:crypto.
 */
export const payloadKeyUnknownType = 'PayloadKeyUnknown';
export const payloadDecryptionFailedType = 'PayloadDecryptionFailed';

/** A decryption failure: its message names key ids only, never a payload's content or a key. */
export function isPayloadKeyFailure(err: unknown): err is ApplicationFailure {
  return err instanceof ApplicationFailure && (err.type === payloadKeyUnknownType || err.type === payloadDecryptionFailedType);
}
