import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ApplicationFailure, METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { payloadDecryptionFailedType, payloadKeyUnknownType } from './codecFailureTypes';
import { payloadKeysVariable, type PayloadKeyRing } from './payloadKeys';

/** The encoding of an encrypted payload, as Temporal's samples and the Web UI know it. */
export const encryptedEncoding = 'binary/encrypted';
/** Metadata naming the key a payload was encrypted with (in plain text: ids are not secrets). */
export const keyIdMetadataKey = 'encryption-key-id';
export const cipherMetadataKey = 'encryption-cipher';
export const cipherName = 'AES-256-GCM';

const ivBytes = 12;
const tagBytes = 16;

const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');
const text = (bytes: Uint8Array | null | undefined): string | undefined => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/**
 * Encrypts every payload (its data and its metadata, such as the encoding) with AES-256-GCM under the
 * ring's first key, and decrypts with whichever key the payload's metadata names. The key id is
 * authenticated with the ciphertext, so a payload cannot be relabelled to another key. Payloads that
 * were never encrypted (written before keys were configured) decode unchanged.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly keys: PayloadKeyRing) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) =>
      text(payload.metadata?.[METADATA_ENCODING_KEY]) === encryptedEncoding ? this.decrypt(payload) : payload,
    );
  }

  private encrypt(payload: Payload): Payload {
    const keyId = this.keys.encryptingKeyId;
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv('aes-256-gcm', this.keys.key(keyId)!, iv);
    cipher.setAAD(utf8(keyId));
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: utf8(encryptedEncoding),
        [keyIdMetadataKey]: utf8(keyId),
        [cipherMetadataKey]: utf8(cipherName),
      },
      data: sealed,
    };
  }

  private decrypt(payload: Payload): Payload {
    const keyId = text(payload.metadata?.[keyIdMetadataKey]) ?? '';
    const cipherUsed = text(payload.metadata?.[cipherMetadataKey]);
    if (cipherUsed !== cipherName) {
      throw decryptionFailed(
        `A payload says it is encrypted with "${cipherUsed ?? 'no cipher'}", not ${cipherName}; it was not written by longhaul.`,
      );
    }
    const key = this.keys.key(keyId);
    if (!key) {
      throw ApplicationFailure.create({
        type: payloadKeyUnknownType,
        nonRetryable: true,
        message:
          `A payload is encrypted with key "${keyId}", which ${payloadKeysVariable} does not hold (it holds ${this.keys.keyIds.map((id) => `"${id}"`).join(', ')}). ` +
          `Add that key to ${payloadKeysVariable} (after the encrypting one) to read it.`,
      });
    }
    const sealed = Buffer.from(payload.data ?? []);
    if (sealed.length < ivBytes + tagBytes)
      throw decryptionFailed(`A payload encrypted with key "${keyId}" is truncated (${sealed.length} bytes).`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, ivBytes));
      decipher.setAAD(utf8(keyId));
      decipher.setAuthTag(sealed.subarray(sealed.length - tagBytes));
      const plain = Buffer.concat([decipher.update(sealed.subarray(ivBytes, sealed.length - tagBytes)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain);
    } catch (err) {
      throw decryptionFailed(
        `A payload encrypted with key "${keyId}" cannot be decrypted: the key with that id in ${payloadKeysVariable} is not the one it was written with, or the payload was altered (${(err as Error).message}).`,
      );
    }
  }
}

function decryptionFailed(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: payloadDecryptionFailedType, nonRetryable: true, message });
}
