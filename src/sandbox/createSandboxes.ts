import { defaultSandboxSettings, type SandboxSettings } from '../schemas/sandbox';
import { BubblewrapSandbox, defaultBubblewrapLimits } from './bubblewrapSandbox';
import { Sandboxes } from './sandboxes';

export interface SandboxesOptions {
  /** The worker's defaults, for calls that carry no project settings. */
  settings?: SandboxSettings;
  /** Folders commands must not see (caches, worktrees, state). */
  hide?: string[];
  memoryMb?: number;
  maxProcesses?: number;
}

/** The worker's sandboxes: bubblewrap, unless a project or the worker turns it off explicitly. */
export function createSandboxes(options: SandboxesOptions = {}): Sandboxes {
  const backend = new BubblewrapSandbox({
    hide: options.hide ?? [],
    memoryMb: options.memoryMb ?? defaultBubblewrapLimits.memoryMb,
    maxProcesses: options.maxProcesses ?? defaultBubblewrapLimits.maxProcesses,
  });
  return new Sandboxes(backend, options.settings ?? defaultSandboxSettings);
}
