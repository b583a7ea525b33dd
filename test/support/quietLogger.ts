import { DefaultLogger, type LogEntry } from '@temporalio/worker';

/**
 * The SDK's logger at WARN, minus the line every activity-only worker prints at start ("No workflows
 * registered"), which is expected here and would bury real warnings in test output.
 */
export function quietLogger(): DefaultLogger {
  return new DefaultLogger('WARN', (entry: LogEntry) => {
    if (entry.message.startsWith('No workflows registered')) return;
    console.warn(`[${entry.level}] ${entry.message}`, entry.meta ?? '');
  });
}
