/**
 * Variables a command run on a checkout must not see: provider keys and other credentials live in the
 * worker's environment, and anything a command prints ends up in a model's context and a transcript.
 */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|COOKIE|SESSION/i;
const PRIVATE_PREFIXES = ['TEMPORAL_', 'LONGHAUL_'];

/**
 * The one environment of every command longhaul runs on a checkout (setup, the test command at
 * integration and for the judge, an agent's `run_command`), so a command behaves the same wherever
 * it runs: the worker's environment without its secrets, non-interactive.
 */
export function commandEnvironment(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(base)) {
    if (SECRET_NAME.test(name) || PRIVATE_PREFIXES.some((p) => name.startsWith(p))) continue;
    env[name] = value;
  }
  // Nothing can answer a prompt: make tools fail fast instead of waiting on a terminal.
  return { ...env, CI: '1', GIT_TERMINAL_PROMPT: '0', PAGER: 'cat', GIT_PAGER: 'cat' };
}
