import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Loaded by path (`failureConverterPath`) in the workers, the client and the workflow bundle: it moves
 * failure messages and stack traces into a payload, which the payload codec then encrypts. Failures
 * read back (with or without keys) are restored by any failure converter.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
