import type { OutputStream } from './outputStream';
import { exitCodes } from './exitCodes';

export interface Interrupts {
  /** Aborted on the first SIGINT or SIGTERM. */
  signal: AbortSignal;
  dispose(): void;
}

/**
 * The first Ctrl-C (or SIGTERM) detaches gracefully; a second one exits at once, for when shutting
 * down takes too long.
 */
export function detachOnInterrupt(stderr: OutputStream, onFirst: () => void): Interrupts {
  const controller = new AbortController();
  const handler = (): void => {
    if (controller.signal.aborted) {
      stderr.write('\nInterrupted again: exiting now.\n');
      process.exit(exitCodes.detached);
    }
    onFirst();
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
