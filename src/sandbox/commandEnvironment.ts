import { isSecretName } from '../secrets/secretNames';

/** longhaul's own settings (Temporal address, state folders) are none of a command's business. */
const PRIVATE_PREFIXES = ['TEMPORAL_', 'LONGHAUL_'];

/**
 * The environment of a command run on a checkout: the worker's, without credentials or longhaul's
 * own settings, and set up so nothing waits for a terminal that no one is watching.
 */
export function commandEnvironment(base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined || isSecretName(name) || PRIVATE_PREFIXES.some((p) => name.startsWith(p))) continue;
    env[name] = value;
  }
  return { ...env, CI: '1', GIT_TERMINAL_PROMPT: '0', PAGER: 'cat', GIT_PAGER: 'cat' };
}
