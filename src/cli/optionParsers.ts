import { InvalidArgumentError } from 'commander';
import { ModelRef } from '../schemas/modelRef';

/** Commander argument parsers; each throws InvalidArgumentError, which the CLI reports as bad usage (exit 2). */

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n <= 0)
    throw new InvalidArgumentError('expected a positive whole number.');
  return n;
}

export function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a whole number (0 or more).');
  return n;
}

/** A USD amount such as `25` or `12.50`. */
export function positiveAmount(value: string): number {
  const n = Number(value.trim().replace(/^\$/, ''));
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError('expected an amount in USD greater than 0, e.g. 25 or 12.50.');
  return n;
}

export function modelRef(value: string): string {
  const parsed = ModelRef.safeParse(value.trim());
  if (!parsed.success) throw new InvalidArgumentError('expected "openai:<model>" or "anthropic:<model>", e.g. openai:gpt-5.2.');
  return parsed.data;
}

const durationUnits: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A deadline: an ISO-8601 time with a zone (`2026-07-01T18:00:00Z`, `2026-07-01T20:00+02:00`) or a
 * duration from now (`90m`, `36h`, `7d`, `2w`). Returned as an ISO-8601 UTC time.
 */
export function deadline(value: string, now: () => number = Date.now): string {
  const trimmed = value.trim();
  const duration = /^(\d+)\s*([mhdw])$/i.exec(trimmed);
  if (duration) {
    const ms = Number(duration[1]) * durationUnits[duration[2].toLowerCase()];
    if (ms <= 0) throw new InvalidArgumentError('a deadline must lie in the future.');
    return new Date(now() + ms).toISOString();
  }
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(trimmed);
  const time = Date.parse(trimmed);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(trimmed) || !hasZone || Number.isNaN(time)) {
    throw new InvalidArgumentError(
      'expected an ISO-8601 time with a zone (2026-07-01T18:00:00Z) or a duration from now (90m, 36h, 7d, 2w).',
    );
  }
  return new Date(time).toISOString();
}

/**
 * A browser origin (`http://localhost:8233`), as the Web UI's requests carry it: scheme, host and
 * port only. Repeatable: each one adds to the list, replacing the default.
 */
export function webOrigins(defaults: readonly string[]): (value: string, previous: readonly string[]) => string[] {
  return (value, previous) => {
    let url: URL;
    try {
      url = new URL(value.trim());
    } catch {
      throw new InvalidArgumentError('expected an origin such as http://localhost:8233.');
    }
    if (!/^https?:$/.test(url.protocol) || url.origin !== value.trim().replace(/\/+$/, '')) {
      throw new InvalidArgumentError(
        `expected an origin (scheme, host and port, no path), such as ${url.protocol.startsWith('http') ? url.origin : 'http://localhost:8233'}.`,
      );
    }
    return previous === defaults ? [url.origin] : [...previous, url.origin];
  };
}

/** An http(s) URL, such as the one `longhaul codec-server` prints. */
export function httpUrl(value: string): string {
  const trimmed = value.trim();
  let url: URL | undefined;
  try {
    url = new URL(trimmed);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol)) throw new InvalidArgumentError('expected an http(s) URL such as http://127.0.0.1:8888.');
  return trimmed;
}
