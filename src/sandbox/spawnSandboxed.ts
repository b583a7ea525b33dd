import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { commandEnvironment } from './commandEnvironment';
import type { CommandSandboxing } from './sandboxes';

/**
 * Starts `command` on the checkout `dir` as its sandboxing says, with a secret-free environment, in a
 * process group of its own so a timeout or cancellation can stop everything it started.
 */
export async function spawnSandboxed(
  sandboxing: CommandSandboxing,
  command: string,
  dir: string,
): Promise<ChildProcessByStdio<null, Readable, Readable>> {
  const plan = await sandboxing.sandbox.prepare({
    command,
    dir,
    network: sandboxing.network,
    env: commandEnvironment(),
    ...(sandboxing.readOnly ? { readOnly: true } : {}),
  });
  return spawn(plan.file, plan.args, { cwd: plan.cwd, env: plan.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
}
