/**
 * Names of environment variables that hold credentials: provider keys, the Temporal API key, tokens,
 * passwords. Their values never reach a command, a model, a transcript, a history or a commit.
 */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|COOKIE|SESSION/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Values this short are too likely to occur by chance ("1", "true", "tty") to be treated as secrets. */
const MIN_SECRET_LENGTH = 8;

export interface SecretValue {
  name: string;
  value: string;
}

/** The secret values of an environment, longest first so a value containing another is matched whole. */
export function secretValues(env: NodeJS.ProcessEnv = process.env): SecretValue[] {
  const found: SecretValue[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !isSecretName(name)) continue;
    const trimmed = value.trim();
    if (trimmed.length >= MIN_SECRET_LENGTH) found.push({ name, value: trimmed });
  }
  return found.sort((a, b) => b.value.length - a.value.length);
}
