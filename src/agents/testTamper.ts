import path from 'path';
import { changedFiles, checkRevision, fileAt, gitText, type ChangedFile } from './evidenceGit';
import type { RunnerCounts } from './testCounts';

/**
 * Signs that a change made the tests easier to pass instead of making the code pass them. Each is a
 * flag for the judge to look into, not a verdict: a deleted test may have moved, a skip may be right.
 */
export type TamperKind =
  'test_deleted' | 'skip_added' | 'test_script_changed' | 'test_config_changed' | 'test_command_changed' | 'fewer_tests';

export interface TamperFlag {
  kind: TamperKind;
  detail: string;
}

const TEST_DIR = /(^|\/)(tests?|__tests__|specs?|e2e|testing)\//i;
const TEST_NAME =
  /([._-](test|spec)s?\.[^/]+$)|((^|\/)test_[^/]+\.py$)|(_test\.(go|py|rb|exs?)$)|((Tests?|Spec|IT)\.(java|kt|scala|cs|php|swift)$)/;

function isTestFile(file: string): boolean {
  return TEST_DIR.test(file) || TEST_NAME.test(file);
}

/**
 * Markers that stop tests from running (or, focused, stop all the others from running). They count in
 * test files only (source code may well mention them, a tool like this one does), except Rust's, whose
 * unit tests live beside the code.
 */
const JS = /\.([cm]?[jt]sx?|coffee|vue|svelte)$/;
const PY = /\.py$/;
const SKIP_MARKERS: { name: string; files: RegExp; pattern: RegExp; inSource?: true }[] = [
  { name: '.skip(', files: JS, pattern: /\b(?:it|test|describe|context|suite|specify)\.skip(?:If)?\s*\(/g },
  { name: 'xit( / xdescribe(', files: JS, pattern: /(?:^|[^\w.$])x(?:it|test|describe|context|specify)\s*\(/g },
  { name: '.only( / fit(', files: JS, pattern: /\b(?:it|test|describe|context|suite)\.only\s*\(|(?:^|[^\w.$])f(?:it|describe)\s*\(/g },
  { name: '@pytest.mark.skip', files: PY, pattern: /@pytest\.mark\.(?:skip|skipif|xfail)\b/g },
  { name: 'pytest.skip(', files: PY, pattern: /\bpytest\.skip\s*\(/g },
  { name: '@unittest.skip', files: PY, pattern: /@unittest\.(?:skip|skipIf|skipUnless|expectedFailure)\b/g },
  { name: 't.Skip(', files: /\.go$/, pattern: /\b\w+\.Skip(?:Now|f)?\s*\(/g },
  { name: '#[ignore]', files: /\.rs$/, pattern: /#\[ignore\b/g, inSource: true },
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
      if (!marker.files.test(file) || !(marker.inSource || isTestFile(file))) continue;
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

type Json = Record<string, unknown>;

/** A package.json's contents: absent, parsed, or text that does not parse (which hides what the scripts are). */
function parsePackage(text: string | undefined): Json | 'unparsable' | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as Json) : 'unparsable';
  } catch {
    return 'unparsable';
  }
}

function scriptOf(pkg: Json | undefined, key: string): unknown {
  return (pkg?.scripts as Json | undefined)?.[key];
}

/** Scripts the test command runs through a package manager (`npm test`, `npm run x`, `yarn x`), with their pre/post hooks. */
function packageScriptsOf(command: string): string[] {
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
    const looksLikeFile = cleaned.includes('/') || /\.(sh|bash|py|[cm]?[jt]s|rb|pl|mk)$/.test(cleaned);
    if (/^[\w.-]+(\/[\w.-]+)*$/.test(cleaned) && looksLikeFile) files.add(cleaned);
    if (cleaned === 'make') ['Makefile', 'makefile', 'GNUmakefile'].forEach((f) => files.add(f));
    if (cleaned === 'tox') files.add('tox.ini');
    if (cleaned === 'nox') files.add('noxfile.py');
  }
  return [...files];
}

const bothSides = (req: TamperRequest, f: ChangedFile): Promise<[string | undefined, string | undefined]> =>
  Promise.all([fileAt(req.dir, req.baseCommit, f.from ?? f.path, req.signal), fileAt(req.dir, req.headCommit, f.path, req.signal)]);

async function packageChanges(req: TamperRequest, f: ChangedFile, scripts: string[]): Promise<TamperFlag[]> {
  const [a, b] = (await bothSides(req, f)).map(parsePackage);
  if (a === 'unparsable' || b === 'unparsable') {
    return [
      {
        kind: 'test_script_changed',
        detail: `${f.path} does not parse at the ${b === 'unparsable' ? 'head' : 'base'}, so its test script cannot be compared`,
      },
    ];
  }
  const flags: TamperFlag[] = [];
  for (const key of scripts) {
    const [was, now] = [scriptOf(a, key), scriptOf(b, key)];
    if (JSON.stringify(was) !== JSON.stringify(now)) {
      flags.push({
        kind: 'test_script_changed',
        detail: `${f.path}: scripts.${key} changed from ${JSON.stringify(was) ?? '(none)'} to ${JSON.stringify(now) ?? '(none)'}`,
      });
    }
  }
  for (const key of PACKAGE_TEST_KEYS) {
    if (JSON.stringify(a?.[key]) !== JSON.stringify(b?.[key]))
      flags.push({ kind: 'test_config_changed', detail: `${f.path}: the "${key}" section changed` });
  }
  return flags;
}

async function configChanges(req: TamperRequest, files: ChangedFile[], scripts: string[]): Promise<TamperFlag[]> {
  const flags: TamperFlag[] = [];
  for (const f of files) {
    const name = path.posix.basename(f.path);
    const section = TEST_SECTIONS[name];
    if (TEST_CONFIG.test(name)) {
      flags.push({ kind: 'test_config_changed', detail: `${f.path} (test runner configuration) was ${describeStatus(f.status)}` });
    } else if (section) {
      const [a, b] = await bothSides(req, f);
      if (sectionsOf(a, section) !== sectionsOf(b, section))
        flags.push({ kind: 'test_config_changed', detail: `${f.path}: its test runner sections changed` });
    } else if (name === 'package.json') {
      flags.push(...(await packageChanges(req, f, scripts)));
    }
  }
  return flags;
}

/** Files the test command runs (directly, or through the package scripts it names) that the change touched. */
async function commandFileChanges(req: TamperRequest, files: ChangedFile[], named: string[]): Promise<TamperFlag[]> {
  const rootPackage = parsePackage(await fileAt(req.dir, req.headCommit, 'package.json', req.signal));
  const scriptTexts = named.map((key) => (rootPackage === 'unparsable' ? undefined : scriptOf(rootPackage, key)));
  const commands = [req.testCommand ?? '', ...scriptTexts.filter((text): text is string => typeof text === 'string')];
  const changed = new Map<string, ChangedFile>();
  for (const f of files) {
    changed.set(f.path, f);
    if (f.from !== undefined) changed.set(f.from, f);
  }
  return [...new Set(commands.flatMap(commandFiles))].flatMap((file): TamperFlag[] => {
    const f = changed.get(file);
    return f ? [{ kind: 'test_command_changed', detail: `${file}, which the test command runs, was ${describeStatus(f.status)}` }] : [];
  });
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
    flags.push({
      kind: 'skip_added',
      detail: `the test runner reports ${head.skipped} skipped tests at the head, ${base.skipped} at the base`,
    });
  }
  return flags;
}

/** The flags git can tell from the change alone: deleted tests, added skips, changed test scripts and configuration. */
export async function detectTestTampering(req: TamperRequest): Promise<TamperFlag[]> {
  const files = await changedFiles(req.dir, req.baseCommit, req.headCommit, req.signal);
  const named = packageScriptsOf(req.testCommand ?? '');
  return [
    ...deletedTests(files),
    ...(await skipMarkersAdded(req)),
    ...(await configChanges(req, files, named.length > 0 ? named : ['test', 'pretest', 'posttest'])),
    ...(await commandFileChanges(req, files, named)),
  ];
}
