import path from 'path';
import { changedFiles, checkRevision, fileAt, gitText, type ChangedFile } from './evidenceGit';
import type { RunnerCounts } from './testCounts';

/**
 * Signs that a change made the tests easier to pass instead of making the code pass them. Each is a
 * flag for the judge to look into, not a verdict: a deleted test may have moved, a skip may be right.
 */
export type TamperKind = 'test_deleted' | 'skip_added' | 'test_script_changed' | 'test_config_changed' | 'test_command_changed' | 'fewer_tests';

export interface TamperFlag {
  kind: TamperKind;
  detail: string;
}

const TEST_DIR = /(^|\/)(tests?|__tests__|specs?|e2e|testing)\//i;
const TEST_NAME =
  /([._-](test|spec)s?\.[^/]+$)|((^|\/)test_[^/]+\.py$)|(_test\.(go|py|rb|exs?)$)|((Tests?|Spec|IT)\.(java|kt|scala|cs|php|swift)$)/;

export function isTestFile(file: string): boolean {
  return TEST_DIR.test(file) || TEST_NAME.test(file);
}

/** Markers that stop tests from running (or, focused, stop all the others from running). */
const JS = /\.([cm]?[jt]sx?|coffee|vue|svelte)$/;
const PY = /\.py$/;
const SKIP_MARKERS: { name: string; files: RegExp; pattern: RegExp }[] = [
  { name: '.skip(', files: JS, pattern: /\b(?:it|test|describe|context|suite|specify)\.skip(?:If)?\s*\(/g },
  { name: 'xit( / xdescribe(', files: JS, pattern: /(?:^|[^\w.$])x(?:it|test|describe|context|specify)\s*\(/g },
  { name: '.only( / fit(', files: JS, pattern: /\b(?:it|test|describe|context|suite)\.only\s*\(|(?:^|[^\w.$])f(?:it|describe)\s*\(/g },
  { name: '@pytest.mark.skip', files: PY, pattern: /@pytest\.mark\.(?:skip|skipif|xfail)\b/g },
  { name: 'pytest.skip(', files: PY, pattern: /\bpytest\.skip\s*\(/g },
  { name: '@unittest.skip', files: PY, pattern: /@unittest\.(?:skip|skipIf|skipUnless|expectedFailure)\b/g },
  { name: 't.Skip(', files: /\.go$/, pattern: /\b\w+\.Skip(?:Now|f)?\s*\(/g },
  { name: '#[ignore]', files: /\.rs$/, pattern: /#\[ignore\b/g },
  { name: '@Ignore / @Disabled', files: /\.(java|kt|scala|groovy)$/, pattern: /@(?:Ignore|Disabled)\b/g },
];

const TEST_CONFIG =
  /^((jest|vitest|vite|playwright|cypress|karma|ava|wdio|mocha)\.config\.[cm]?[jt]s|\.mocharc(\.\w+)?|karma\.conf\.[jt]s|pytest\.ini|conftest\.py|tox\.ini|noxfile\.py|phpunit\.xml(\.dist)?|\.nycrc(\.\w+)?|jest\.setup\.[cm]?[jt]s|setupTests\.[jt]s|tsconfig\.(test|spec)\.json|\.?babel\.config\.[cm]?js)$/;

/** Sections of shared configuration files that configure a test runner. */
const TEST_SECTIONS: Record<string, RegExp> = {
  'pyproject.toml': /^\[tool\.(pytest|coverage)[\].]/,
  'setup.cfg': /^\[(tool:pytest|coverage:)/,
};
const PACKAGE_TEST_KEYS = ['jest', 'mocha', 'ava', 'c8', 'nyc'];

export interface TamperRequest {
  dir: string;
  baseCommit: string;
  headCommit: string;
  testCommand?: string;
  signal: AbortSignal;
}

/** Skip markers per file and marker, in added (`+`) and removed (`-`) lines of a zero-context diff. */
async function skipMarkersAdded(req: TamperRequest): Promise<TamperFlag[]> {
  const diff = await gitText(
    req.dir,
    ['diff', '-U0', '--no-color', '--no-ext-diff', '-M', checkRevision(req.baseCommit), checkRevision(req.headCommit), '--'],
    req.signal,
    128 * 1024 * 1024,
  );
  const balance = new Map<string, number>();
  let file = '';
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++ ')) {
      file = line.startsWith('+++ b/') ? line.slice(6) : '';
      continue;
    }
    if (line.startsWith('--- ') || file === '') continue;
    const sign = line.startsWith('+') ? 1 : line.startsWith('-') ? -1 : 0;
    if (sign === 0) continue;
    for (const marker of SKIP_MARKERS) {
      if (!marker.files.test(file)) continue;
      const hits = [...line.slice(1).matchAll(marker.pattern)].length;
      if (hits > 0) balance.set(`${file}\0${marker.name}`, (balance.get(`${file}\0${marker.name}`) ?? 0) + sign * hits);
    }
  }
  const flags: TamperFlag[] = [];
  for (const [key, net] of balance) {
    if (net <= 0) continue;
    const [where, marker] = key.split('\0');
    flags.push({ kind: 'skip_added', detail: `${where}: ${net} more \`${marker}\` than at the base` });
  }
  return flags;
}

function deletedTests(files: ChangedFile[]): TamperFlag[] {
  return files.flatMap((f): TamperFlag[] => {
    if (f.status === 'D' && isTestFile(f.path)) return [{ kind: 'test_deleted', detail: `${f.path} was deleted` }];
    if (f.status === 'R' && f.from !== undefined && isTestFile(f.from) && !isTestFile(f.path)) {
      return [{ kind: 'test_deleted', detail: `${f.from} was renamed to ${f.path}, which is not a test file` }];
    }
    return [];
  });
}

function sectionsOf(text: string | undefined, header: RegExp): string {
  if (text === undefined) return '';
  const kept: string[] = [];
  let inside = false;
  for (const line of text.split('\n')) {
    if (/^\s*\[/.test(line)) inside = header.test(line.trim());
    if (inside) kept.push(line.trimEnd());
  }
  return kept.join('\n');
}

function parseJson(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    // A package.json that does not parse is reported as changed configuration, not as an error.
    return { '(unparsable)': text };
  }
}

/** Scripts the test command runs through a package manager: `npm test`, `npm run x`, `yarn x`, `pnpm run x`. */
export function packageScriptsOf(command: string): string[] {
  const scripts = new Set<string>();
  for (const m of command.matchAll(/\b(npm|yarn|pnpm|bun)\s+(?:run(?:-script)?\s+)?([A-Za-z0-9:_.-]+)/g)) {
    const name = m[2] as string;
    if (['install', 'ci', 'exec', 'add', 'x', 'dlx', '--'].includes(name)) continue;
    scripts.add(name === 't' || name === 'tst' ? 'test' : name);
  }
  return [...scripts].flatMap((name) => [name, `pre${name}`, `post${name}`]);
}

/** Tokens of a shell command that name files in the repository, and the files a tool reads by convention. */
function commandFiles(command: string): string[] {
  const files = new Set<string>();
  for (const token of command.split(/[\s;&|()<>'"`]+/)) {
    const cleaned = token.replace(/^\.\//, '');
    if (/^[\w.-]+(\/[\w.-]+)*$/.test(cleaned) && (cleaned.includes('/') || /\.(sh|bash|py|[cm]?[jt]s|rb|pl|mk)$/.test(cleaned))) files.add(cleaned);
    if (cleaned === 'make') ['Makefile', 'makefile', 'GNUmakefile'].forEach((f) => files.add(f));
    if (cleaned === 'tox') files.add('tox.ini');
    if (cleaned === 'nox') files.add('noxfile.py');
  }
  return [...files];
}

async function configChanges(req: TamperRequest, files: ChangedFile[]): Promise<TamperFlag[]> {
  const flags: TamperFlag[] = [];
  const named = packageScriptsOf(req.testCommand ?? '');
  const scripts = named.length > 0 ? named : ['test', 'pretest', 'posttest'];
  // The scripts the command runs are part of the command: their files count as its files.
  const rootPackage = parseJson(await fileAt(req.dir, req.headCommit, 'package.json', req.signal));
  const commandStrings = [req.testCommand ?? '', ...named.map((key) => (rootPackage?.scripts as Record<string, unknown> | undefined)?.[key]).filter((v): v is string => typeof v === 'string')];
  for (const f of files) {
    const name = path.posix.basename(f.path);
    const before = f.from ?? f.path;
    if (TEST_CONFIG.test(name)) {
      flags.push({ kind: 'test_config_changed', detail: `${f.path} (test runner configuration) was ${describeStatus(f.status)}` });
      continue;
    }
    const section = TEST_SECTIONS[name];
    if (section) {
      const [a, b] = await Promise.all([fileAt(req.dir, req.baseCommit, before, req.signal), fileAt(req.dir, req.headCommit, f.path, req.signal)]);
      if (sectionsOf(a, section) !== sectionsOf(b, section)) {
        flags.push({ kind: 'test_config_changed', detail: `${f.path}: its test runner sections changed` });
      }
      continue;
    }
    if (name !== 'package.json') continue;
    const [a, b] = (await Promise.all([fileAt(req.dir, req.baseCommit, before, req.signal), fileAt(req.dir, req.headCommit, f.path, req.signal)])).map(parseJson);
    const scriptOf = (pkg: Record<string, unknown> | undefined, key: string): unknown =>
      (pkg?.scripts as Record<string, unknown> | undefined)?.[key];
    for (const key of scripts) {
      const [was, now] = [scriptOf(a, key), scriptOf(b, key)];
      if (JSON.stringify(was) !== JSON.stringify(now)) {
        flags.push({ kind: 'test_script_changed', detail: `${f.path}: scripts.${key} changed from ${JSON.stringify(was) ?? '(none)'} to ${JSON.stringify(now) ?? '(none)'}` });
      }
    }
    for (const key of [...PACKAGE_TEST_KEYS, '(unparsable)']) {
      if (JSON.stringify(a?.[key]) !== JSON.stringify(b?.[key])) {
        flags.push({ kind: 'test_config_changed', detail: `${f.path}: the "${key}" section changed` });
      }
    }
  }
  const changed = new Map(files.map((f) => [f.path, f] as const));
  for (const f of files) if (f.from !== undefined) changed.set(f.from, f);
  for (const file of new Set(commandStrings.flatMap(commandFiles))) {
    const f = changed.get(file);
    if (f) flags.push({ kind: 'test_command_changed', detail: `${file}, which the test command runs, was ${describeStatus(f.status)}` });
  }
  return flags;
}

function describeStatus(status: string): string {
  return { A: 'added', D: 'deleted', R: 'renamed', C: 'copied', T: 'changed in type' }[status] ?? 'modified';
}

/** Fewer tests found, or more skipped, at the head than the base run reported. */
export function countFlags(base: RunnerCounts, head: RunnerCounts): TamperFlag[] {
  const flags: TamperFlag[] = [];
  if (head.total < base.total) {
    flags.push({ kind: 'fewer_tests', detail: `the test runner reports ${head.total} tests at the head, ${base.total} at the base` });
  }
  if (head.skipped > base.skipped) {
    flags.push({ kind: 'skip_added', detail: `the test runner reports ${head.skipped} skipped tests at the head, ${base.skipped} at the base` });
  }
  return flags;
}

/** The flags git can tell from the change alone: deleted tests, added skips, changed test scripts and configuration. */
export async function detectTestTampering(req: TamperRequest): Promise<TamperFlag[]> {
  const files = await changedFiles(req.dir, req.baseCommit, req.headCommit, req.signal);
  return [...deletedTests(files), ...(await skipMarkersAdded(req)), ...(await configChanges(req, files))];
}
