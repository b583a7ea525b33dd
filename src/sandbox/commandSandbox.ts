import { ApplicationFailure } from '@temporalio/common';

/** What a sandbox is asked to run: one shell command line on one checkout. */
export interface SandboxRequest {
  command: string;
  /** The checkout: the command's working directory and the only place it may write. */
  dir: string;
  /** Whether the command may reach other machines (loopback works either way). */
  network: boolean;
  /** The command's environment, already free of secrets. */
  env: Record<string, string>;
  /**
   * The checkout must stay exactly as it is (a view others read): it and its git metadata are mounted
   * read-only, and writes go to the private /tmp and home. Only a confining backend can promise that.
   */
  readOnly?: boolean;
}

/** The process that runs a request, confined as the backend arranged it. */
export interface SandboxedProcess {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

/**
 * A way of confining commands. Backends turn a request into the process to start (bubblewrap here;
 * a container runtime would fit the same shape); the callers keep timeouts, output and killing.
 */
export interface CommandSandbox {
  /** Shown in status and logs: `bubblewrap`, or `off` when commands run unconfined. */
  readonly kind: 'bubblewrap' | 'off';
  /** Rejects with SandboxUnavailableError when the backend cannot run on this machine. */
  check(): Promise<void>;
  /** Throws SandboxUnavailableError when the backend cannot run here. */
  prepare(req: SandboxRequest): Promise<SandboxedProcess>;
}

/** The sandbox cannot start on this machine: commands are refused rather than run unconfined. */
export class SandboxUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SandboxUnavailableError';
  }
}

/**
 * The failure an activity ends with when a command it must run cannot be sandboxed: not retried,
 * since a machine without bubblewrap does not grow one; the message names the package.
 */
export function sandboxUnavailableFailure(error: SandboxUnavailableError): ApplicationFailure {
  return ApplicationFailure.create({ type: 'LonghaulSandboxUnavailable', message: error.message, nonRetryable: true, cause: error });
}
