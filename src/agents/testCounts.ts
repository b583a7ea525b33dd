import type { TestCounts } from '../schemas/testCounts';

export type RunnerCounts = Omit<TestCounts, 'commit'>;

/** Colour codes would split the numbers from their words. */
function plain(output: string): string {
  // eslint-disable-next-line no-control-regex
  return output.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
}

/** `3 passed, 1 failed` → the numbers by word; words in `aliases` count towards the same bucket. */
function tally(text: string, buckets: Record<keyof Omit<RunnerCounts, 'total'>, readonly string[]>): Omit<RunnerCounts, 'total'> {
  const sum = { passed: 0, failed: 0, skipped: 0 };
  for (const match of text.matchAll(/(\d+)\s+([a-z]+)/gi)) {
    const word = (match[2] as string).toLowerCase();
    for (const bucket of ['passed', 'failed', 'skipped'] as const) {
      if (buckets[bucket].includes(word)) sum[bucket] += Number(match[1]);
    }
  }
  return sum;
}

const withTotal = (c: Omit<RunnerCounts, 'total'>, total?: number): RunnerCounts => ({
  ...c,
  total: total ?? c.passed + c.failed + c.skipped,
});

function lastMatch(text: string, re: RegExp): RegExpMatchArray | undefined {
  const all = [...text.matchAll(re)];
  return all[all.length - 1];
}

type Parser = (text: string) => RunnerCounts | undefined;

const jestSummary: Parser = (text) => {
  const line = lastMatch(text, /^\s*Tests:\s+(.*?(\d+) total)\s*$/gm);
  if (!line) return undefined;
  return withTotal(tally(line[1] as string, { passed: ['passed'], failed: ['failed'], skipped: ['skipped', 'todo'] }), Number(line[2]));
};

const vitestSummary: Parser = (text) => {
  const line = lastMatch(text, /^\s*Tests\s+(.*\d+\s+(?:passed|failed|skipped).*?)\((\d+)\)\s*$/gm);
  if (!line) return undefined;
  return withTotal(tally(line[1] as string, { passed: ['passed'], failed: ['failed'], skipped: ['skipped', 'todo'] }), Number(line[2]));
};

const pytestSummary: Parser = (text) => {
  const line = lastMatch(
    text,
    /^[=\s]*((?:\d+ (?:passed|failed|skipped|errors?|xfailed|xpassed|deselected|warnings?)(?:, )?)+) in [\d.]+s\b.*$/gm,
  );
  if (!line) return undefined;
  return withTotal(
    tally(line[1] as string, { passed: ['passed', 'xpassed'], failed: ['failed', 'error', 'errors'], skipped: ['skipped', 'xfailed'] }),
  );
};

const cargoSummary: Parser = (text) => {
  const lines = [...text.matchAll(/^test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/gm)];
  if (lines.length === 0) return undefined;
  const sum = { passed: 0, failed: 0, skipped: 0 };
  for (const line of lines) {
    sum.passed += Number(line[1]);
    sum.failed += Number(line[2]);
    sum.skipped += Number(line[3]);
  }
  return withTotal(sum);
};

/** Node's built-in runner, in its TAP (`# tests 4`) and spec (`ℹ tests 4`) reporters. */
const nodeTestSummary: Parser = (text) => {
  const field = (name: string): number | undefined => {
    const m = lastMatch(text, new RegExp(`^(?:#|ℹ)\\s+${name}\\s+(\\d+)\\s*$`, 'gm'));
    return m ? Number(m[1]) : undefined;
  };
  const total = field('tests');
  if (total === undefined) return undefined;
  return { passed: field('pass') ?? 0, failed: field('fail') ?? 0, skipped: (field('skipped') ?? 0) + (field('todo') ?? 0), total };
};

const mochaSummary: Parser = (text) => {
  const passing = lastMatch(text, /^\s*(\d+) passing\b/gm);
  if (!passing) return undefined;
  const failing = lastMatch(text, /^\s*(\d+) failing\b/gm);
  const pending = lastMatch(text, /^\s*(\d+) pending\b/gm);
  return withTotal({ passed: Number(passing[1]), failed: failing ? Number(failing[1]) : 0, skipped: pending ? Number(pending[1]) : 0 });
};

/** `go test -v`: one line per test; without -v go reports no counts. */
const goTestSummary: Parser = (text) => {
  const count = (word: string): number => [...text.matchAll(new RegExp(`^\\s*--- ${word}: `, 'gm'))].length;
  const c = { passed: count('PASS'), failed: count('FAIL'), skipped: count('SKIP') };
  return c.passed + c.failed + c.skipped > 0 ? withTotal(c) : undefined;
};

const parsers: Parser[] = [jestSummary, vitestSummary, pytestSummary, cargoSummary, nodeTestSummary, mochaSummary, goTestSummary];

/**
 * The test counts a run's output reports, for the runners whose summary lines are recognised (Jest,
 * Vitest, pytest, cargo, node:test, Mocha, `go test -v`); undefined when none is.
 */
export function parseTestCounts(output: string): RunnerCounts | undefined {
  const text = plain(output);
  for (const parse of parsers) {
    const counts = parse(text);
    if (counts) return counts;
  }
  return undefined;
}
