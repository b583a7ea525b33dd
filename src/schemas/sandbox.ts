import { z } from 'zod';

/**
 * How commands run on a checkout are confined, as a project may ask for it (`sandbox` in the input).
 * `network.commands` covers the agents' commands, the test command and the judge's checks;
 * `network.setup` covers dependency installation, which usually needs a package registry.
 */
export const SandboxPatch = z
  .object({
    /** `false` runs commands unconfined, with the worker's own view of the machine: an explicit choice. */
    enabled: z.boolean().optional(),
    network: z.object({ commands: z.boolean().optional(), setup: z.boolean().optional() }).strict().optional(),
  })
  .strict();
export type SandboxPatch = z.infer<typeof SandboxPatch>;

/** The sandbox settings in force for a project, every default filled in. */
export const SandboxSettings = z.object({
  enabled: z.boolean(),
  network: z.object({ commands: z.boolean(), setup: z.boolean() }),
});
export type SandboxSettings = z.infer<typeof SandboxSettings>;

/** Confined, no network for commands a model chose, network for setup. */
export const defaultSandboxSettings: SandboxSettings = { enabled: true, network: { commands: false, setup: true } };

/** Layers a project's (or a config file's) choices over the defaults. */
export function applySandboxPatch(base: SandboxSettings, patch: SandboxPatch | undefined): SandboxSettings {
  return {
    enabled: patch?.enabled ?? base.enabled,
    network: { commands: patch?.network?.commands ?? base.network.commands, setup: patch?.network?.setup ?? base.network.setup },
  };
}
