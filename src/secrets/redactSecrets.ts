import { secretValues } from './secretNames';

/** What a redacted value is replaced with; names the variable so the reader knows what was there. */
export function redactionMark(name: string): string {
  return `[redacted: value of ${name}]`;
}

/**
 * Replaces every secret value of the worker's environment in `text`. Read on each call: the
 * environment is the single source of truth, and scanning a few dozen names costs nothing.
 */
export function redactSecrets(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text;
  for (const { name, value } of secretValues(env)) {
    if (out.includes(value)) out = out.split(value).join(redactionMark(name));
  }
  return out;
}

/** Redacts every string inside a JSON-like value (a transcript record), keeping its shape. */
export function redactDeep<T>(value: T, env: NodeJS.ProcessEnv = process.env): T {
  if (typeof value === 'string') return redactSecrets(value, env) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => redactDeep(item, env)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactDeep(item, env)])) as T;
  }
  return value;
}
