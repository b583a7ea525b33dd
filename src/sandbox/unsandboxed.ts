import { existsSync } from 'node:fs';
import { SandboxUnavailableError, type CommandSandbox, type SandboxedProcess, type SandboxRequest } from './commandSandbox';

const SHELL = existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh';

/**
 * No confinement: the command sees the machine as the worker does. Only ever chosen by an explicit
 * `sandbox.enabled: false`, which status and the live view show.
 */
export const unsandboxed: CommandSandbox = {
  kind: 'off',
  async check(): Promise<void> {},
  async prepare(req: SandboxRequest): Promise<SandboxedProcess> {
    // Unconfined, a command can write anywhere: a promise to leave the checkout alone cannot be kept.
    if (req.readOnly) throw new SandboxUnavailableError('commands that must leave the checkout unchanged need the sandbox, which is off');
    return { file: SHELL, args: ['-c', req.command], cwd: req.dir, env: req.env };
  },
};
