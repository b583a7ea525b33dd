/**
 * Exit codes of the `longhaul` command, documented in docs/operator.md. Scripts rely on them, so they
 * never change meaning.
 */
export const exitCodes = {
  /** Done: the command did what was asked; for `run`/`watch`, the project ended with outcome `done`. */
  ok: 0,
  /** A runtime failure: the server is unreachable, the project does not exist, a worker crashed, ... */
  failure: 1,
  /** Bad usage: unknown command or option, a missing or invalid argument. Nothing was changed. */
  usage: 2,
  /** `run`/`watch`: the project ended without reaching its goal (stopped, limit_reached, abandoned). */
  notDone: 3,
  /** `run`/`watch`: the project's workflow failed, was cancelled, terminated or timed out. */
  projectFailed: 4,
  /** `run`/`watch`: detached with Ctrl-C; the project goes on in Temporal. */
  detached: 130,
} as const;
export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];
