import type { SandboxSettings } from '../schemas/sandbox';

/**
 * One line on how a project's commands run, for status, the live view and the Web UI summary.
 * Pure text from settings: workflow code may call it. An unconfined project says so loudly.
 */
export function describeSandbox(settings: SandboxSettings): string {
  if (!settings.enabled) return "OFF: commands run unconfined, with the worker's own view of the machine";
  const net = (on: boolean): string => (on ? 'on' : 'off');
  return `bubblewrap · network for commands ${net(settings.network.commands)}, for setup ${net(settings.network.setup)}`;
}
