import type { ProtoFailure } from '@temporalio/common';
import { DefaultFailureConverter, type PayloadConverter } from '@temporalio/common';
import { isPayloadKeyFailure } from './codecFailureTypes';

const plainConverter = new DefaultFailureConverter();

/**
 * Moves failure messages and stack traces into a payload, which the payload codec then encrypts.
 * Decryption failures stay readable: they name key ids only, and an operator looking at a workflow
 * task that a worker with the wrong key failed must see why, whatever key they hold.
 */
class EncodedFailureConverter extends DefaultFailureConverter {
  constructor() {
    super({ encodeCommonAttributes: true });
  }

  override errorToFailure(err: unknown, payloadConverter: PayloadConverter): ProtoFailure {
    return isPayloadKeyFailure(err) ? plainConverter.errorToFailure(err, payloadConverter) : super.errorToFailure(err, payloadConverter);
  }
}

/**
 * Loaded by path (`failureConverterPath`) in the workers, the client and the workflow bundle. Failures
 * read back (with or without keys) are restored by any failure converter.
 */
export const failureConverter = new EncodedFailureConverter();
