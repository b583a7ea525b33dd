import { defaultSandboxSettings, type SandboxSettings } from '../schemas/sandbox';
import { SandboxUnavailableError, type CommandSandbox } from './commandSandbox';
import { unsandboxed } from './unsandboxed';

/**
 * What a command is for. `commands`: anything whose content a model chose or wrote (its own commands,
 * the test command, the judge's checks). `setup`: installing a checkout's dependencies.
 */
export type CommandPurpose = 'commands' | 'setup';

/** How one command runs: in which sandbox, and whether it may use the network. */
export interface CommandSandboxing {
  sandbox: CommandSandbox;
  network: boolean;
  /** The checkout is mounted read-only (see SandboxRequest.readOnly). */
  readOnly?: boolean;
}

/** The worker's sandbox backend, chosen per command from a project's settings. */
export class Sandboxes {
  constructor(
    private readonly confined: CommandSandbox,
    /** Used when a caller passes no project settings. */
    readonly defaults: SandboxSettings = defaultSandboxSettings,
  ) {}

  /** Why the confined backend cannot run on this machine, if it cannot: for the worker's start-up log. */
  async unavailable(): Promise<string | undefined> {
    try {
      await this.confined.check();
      return undefined;
    } catch (err) {
      if (err instanceof SandboxUnavailableError) return err.message;
      throw err;
    }
  }

  for(purpose: CommandPurpose, settings: SandboxSettings | undefined): CommandSandboxing {
    const chosen = settings ?? this.defaults;
    if (!chosen.enabled) return { sandbox: unsandboxed, network: true };
    return { sandbox: this.confined, network: chosen.network[purpose] };
  }

  /**
   * For commands that must leave the checkout exactly as it is (the judge's checks on the shared view
   * of the head), or undefined when the project runs commands unconfined: then nothing can keep a
   * command from writing, and a throw-away copy would either cost a full copy of the installed
   * dependencies or share their files with the environment store (hardlinks), and a copied virtualenv
   * still runs the checkout it was made in; so such commands are not offered at all.
   */
  readOnly(settings: SandboxSettings | undefined): CommandSandboxing | undefined {
    const chosen = settings ?? this.defaults;
    if (!chosen.enabled) return undefined;
    return { sandbox: this.confined, network: chosen.network.commands, readOnly: true };
  }
}
