import { exitCodes, type ExitCode } from './exitCodes';

/** An error the CLI reports as one message (no stack) and a specific exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode = exitCodes.failure,
  ) {
    super(message);
  }
}

/** Bad usage: reported with exit code 2, before anything is sent to Temporal. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, exitCodes.usage);
  }
}
