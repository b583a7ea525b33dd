import * as fs from 'node:fs';
import * as path from 'node:path';
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';

/**
 * Sends the in-process workers' log to a file, so it does not scribble over the live view, and leaves
 * Ctrl-C to the command: it ends the live view, which shuts the workers down in order (were the
 * runtime to react to the signal too, it would stop them all at once, before the view had ended).
 * Must run before anything creates the Temporal runtime (the first worker or native connection).
 */
export function installRunRuntime(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const stream = fs.createWriteStream(file, { flags: 'a' });
  stream.on('error', (err) => process.stderr.write(`Cannot write the worker log ${file}: ${err.message}\n`));
  Runtime.install({
    shutdownSignals: [],
    logger: new DefaultLogger('INFO', (entry: LogEntry) => {
      const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
      const meta = entry.meta && Object.keys(entry.meta).length > 0 ? ` ${safeJson(entry.meta)}` : '';
      stream.write(`${time} ${entry.level} ${entry.message}${meta}\n`);
    }),
  });
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch (err) {
    return `(unserialisable: ${(err as Error).message})`;
  }
}
