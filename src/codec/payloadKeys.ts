import { inspect } from 'node:util';
import { z } from 'zod';

/** The environment variable that holds the payload keys; errors name it so operators know what to fix. */
export const payloadKeysVariable = 'LONGHAUL_PAYLOAD_KEYS';

/** AES-256 takes a 32-byte key. */
export const payloadKeyBytes = 32;

/** Key ids travel in plain text in every payload's metadata, so they are short names, never secrets. */
const keyIdPattern = /^[A-Za-z0-9._-]{1,64}$/;
const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const PayloadKeyEntry = z
  .string()
  .trim()
  .transform((entry, ctx) => {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon).trim();
    const encoded = colon < 0 ? '' : entry.slice(colon + 1).trim();
    if (!keyIdPattern.test(id) || encoded === '') {
      ctx.addIssue({ code: 'custom', message: 'expected "<id>:<base64 key>", the id made of 1-64 letters, digits, ".", "_" or "-"' });
      return z.NEVER;
    }
    const key = Buffer.from(encoded, 'base64');
    if (!base64Pattern.test(encoded) || key.length !== payloadKeyBytes) {
      // Never echo the key material: name the id and what is wrong with it.
      ctx.addIssue({
        code: 'custom',
        message: `key "${id}" must be ${payloadKeyBytes} bytes in standard base64 (44 characters), e.g. from \`openssl rand -base64 32\``,
      });
      return z.NEVER;
    }
    return { id, key };
  });

const PayloadKeyList = z
  .string()
  .transform((raw) => raw.split(',').filter((entry) => entry.trim() !== ''))
  .pipe(z.array(PayloadKeyEntry).min(1, 'no key given'))
  .superRefine((keys, ctx) => {
    const seen = new Set<string>();
    for (const { id } of keys) {
      if (seen.has(id)) ctx.addIssue({ code: 'custom', message: `key id "${id}" appears twice` });
      seen.add(id);
    }
  });

/** The raised error when `LONGHAUL_PAYLOAD_KEYS` cannot be used; it never contains key material. */
export class PayloadKeysError extends Error {
  override readonly name = 'PayloadKeysError';
}

/**
 * The keys payloads are encrypted with: the first encrypts, every one decrypts, so a new key can be
 * put in front while payloads written under older ones stay readable. The key bytes stay private to
 * this object: it prints and serialises as its key ids only, so a logged config leaks nothing.
 */
export class PayloadKeyRing {
  readonly #keys: ReadonlyMap<string, Buffer>;
  /** The id of the key new payloads are encrypted with. */
  readonly encryptingKeyId: string;

  constructor(keys: readonly { id: string; key: Buffer }[]) {
    if (keys.length === 0) throw new PayloadKeysError(`${payloadKeysVariable} holds no key.`);
    for (const { id, key } of keys) {
      // parsePayloadKeys checks these too; a ring built in code must not fail later, at the first payload.
      if (!keyIdPattern.test(id) || key.length !== payloadKeyBytes) {
        throw new PayloadKeysError(
          `Payload key "${id}" needs an id of 1-64 letters, digits, ".", "_" or "-" and ${payloadKeyBytes} bytes.`,
        );
      }
    }
    this.#keys = new Map(keys.map(({ id, key }) => [id, Buffer.from(key)]));
    this.encryptingKeyId = keys[0].id;
  }

  /** Every key id, the encrypting one first. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  /** The key with this id, or undefined when the ring does not hold it. */
  key(id: string): Buffer | undefined {
    return this.#keys.get(id);
  }

  toJSON(): { keyIds: string[] } {
    return { keyIds: this.keyIds };
  }

  [inspect.custom](): string {
    return `PayloadKeyRing { keyIds: [${this.keyIds.join(', ')}] }`;
  }
}

/**
 * Parses `LONGHAUL_PAYLOAD_KEYS` (`id:base64key,id:base64key`, the first encrypting). Throws a
 * `PayloadKeysError` that names the variable and the offending entry, never the key itself.
 */
export function parsePayloadKeys(raw: string): PayloadKeyRing {
  const parsed = PayloadKeyList.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const entry = typeof issue.path[0] === 'number' ? `entry ${issue.path[0] + 1}: ` : '';
      return `${entry}${issue.message}`;
    });
    throw new PayloadKeysError(
      `${payloadKeysVariable} is invalid (${problems.join('; ')}). Expected comma-separated "<id>:<base64 32-byte key>", the first one encrypting.`,
    );
  }
  return new PayloadKeyRing(parsed.data);
}
