import { SandboxUnavailableError } from '../sandbox/commandSandbox';
import type { CommandSandboxing } from '../sandbox/sandboxes';
import type { TestCounts } from '../schemas/testCounts';
import { buildChangeExcerpt } from './changeExcerpt';
import { checkRevision, gitText } from './evidenceGit';
import type { JudgeEvidenceRecord } from './judgeEvidenceRecord';
import { bulletList, fence, inlineCode } from './promptInputs';
import { parseTestCounts, type RunnerCounts } from './testCounts';
import { countFlags, detectTestTampering, type TamperFlag } from './testTamper';
import { describeShellResult } from './tools/runCommand';
import { runShell } from './tools/shellRunner';
import { capMiddle } from './tools/textLimits';

export interface EvidenceRequest {
  dir: string;
  baseCommit: string;
  headCommit: string;
  testCommand?: string;
  testTimeoutMs: number;
  signal: AbortSignal;
  /** The test command runs sandboxed like every command on a checkout. */
  sandboxing: CommandSandboxing;
  /** Counts at the base from an earlier run; used only when they are for `baseCommit`. */
  baseTestCounts?: TestCounts;
  /** A checkout of the base, for running the tests there when no counts were carried over. */
  openBaseCheckout?: () => Promise<{ dir: string; release(): Promise<void> }>;
  /** The tests are run again at the base only when the head's run took at most this long. */
  maxBaseRunMs: number;
  /** Characters of the diff itself shown to the judge. */
  diffBudgetChars: number;
}

/** What the judge is shown before it looks around itself (every part bounded text), and what it established. */
export interface JudgeEvidence {
  testResult: string;
  tamperChecks: string;
  diffStat: string;
  changeExcerpt: string;
  commitLog: string;
  record: JudgeEvidenceRecord;
}

export interface TestRunOutcome {
  passed: boolean;
  /** How the run ended: exit code and time, a timeout, a signal. */
  status: string;
  output: string;
  durationMs: number;
  counts?: RunnerCounts;
}

const MAX_TEST_OUTPUT_CHARS = 15_000;
const MAX_GIT_OUTPUT_CHARS = 8_000;
const MIN_BASE_RUN_LIMIT_MS = 60_000;

/** The one place the judge's harness runs the test command, at the head and at the base alike. */
export async function runTestCommand(req: {
  command: string;
  dir: string;
  timeoutMs: number;
  signal: AbortSignal;
  sandboxing: CommandSandboxing;
}): Promise<TestRunOutcome> {
  let result;
  try {
    result = await runShell({
      command: req.command,
      cwd: req.dir,
      timeoutMs: req.timeoutMs,
      signal: req.signal,
      maxOutputChars: MAX_TEST_OUTPUT_CHARS,
      sandboxing: req.sandboxing,
    });
  } catch (err) {
    // A sandbox that cannot start is said so, not hidden: the tests did not run.
    if (err instanceof SandboxUnavailableError) return { passed: false, status: `not run: ${err.message}`, output: '', durationMs: 0 };
    throw err;
  }
  req.signal.throwIfAborted();
  const [status, ...output] = describeShellResult(result, Math.round(req.timeoutMs / 1000)).split('\n');
  const counts = parseTestCounts(result.output);
  return {
    passed: result.exitCode === 0 && !result.timedOut,
    status: status ?? '',
    output: output.join('\n').trimEnd(),
    durationMs: result.durationMs,
    ...(counts ? { counts } : {}),
  };
}

/**
 * A failure to compute a piece of evidence is itself evidence for the judge (and visible in the
 * transcript), so it is reported in place of the piece rather than failing the whole review.
 */
async function orFailure<T>(what: string, work: () => Promise<T>, signal: AbortSignal, fallback: (message: string) => T): Promise<T> {
  try {
    return await work();
  } catch (err) {
    signal.throwIfAborted();
    return fallback(`(could not compute ${what}: ${(err as Error).message})`);
  }
}

const countsText = (c: RunnerCounts): string => `${c.total} tests (${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped)`;

/**
 * Counts at the base, to compare with the head's. Carried over from the previous judge when it looked
 * at this same commit (the usual case: a cycle's base is the previous cycle's head); otherwise the
 * tests run once more at the base, when the head's run was short enough for that to be affordable.
 */
async function baseCounts(req: EvidenceRequest, command: string, head: TestRunOutcome): Promise<{ counts?: RunnerCounts; note: string }> {
  if (!head.counts)
    return { note: 'The test output reports no counts this harness can read, so test counts are not compared with the base.' };
  if (req.baseTestCounts && req.baseTestCounts.commit === req.baseCommit) {
    const { commit: _commit, ...counts } = req.baseTestCounts;
    return { counts, note: `At the base the runner reported ${countsText(counts)} (recorded by the previous review).` };
  }
  if (!req.openBaseCheckout) return { note: 'No test counts are known for the base, so counts are not compared.' };
  if (head.durationMs > req.maxBaseRunMs) {
    return {
      note: `The test run takes ${Math.round(head.durationMs / 1000)}s, too long to repeat at the base, so counts are not compared.`,
    };
  }
  const checkout = await req.openBaseCheckout();
  try {
    const timeoutMs = Math.min(req.testTimeoutMs, Math.max(MIN_BASE_RUN_LIMIT_MS, 3 * head.durationMs));
    const base = await runTestCommand({ command, dir: checkout.dir, timeoutMs, signal: req.signal, sandboxing: req.sandboxing });
    if (!base.counts) return { note: `The run at the base reported no counts (${base.status}), so counts are not compared.` };
    return { counts: base.counts, note: `At the base the runner reported ${countsText(base.counts)} (run by the harness now).` };
  } finally {
    await checkout.release();
  }
}

function formatFlags(tamper: { flags: TamperFlag[]; problem?: string }, countNote: string): string {
  const none = tamper.problem ?? '(none found: no test file deleted, no skip marker added, test script and test configuration unchanged)';
  const list = bulletList(
    tamper.flags.map((f) => `[${f.kind}] ${f.detail}`),
    none,
    50,
  );
  return `${list}${tamper.problem && tamper.flags.length > 0 ? `\n${tamper.problem}` : ''}\n\n${countNote}`;
}

export async function gatherJudgeEvidence(req: EvidenceRequest): Promise<JudgeEvidence> {
  const range = `${checkRevision(req.baseCommit)}..${checkRevision(req.headCommit)}`;
  const asText = (message: string): string => message;
  const diffStat = await orFailure(
    'the diff stat',
    async () => {
      const stat = await gitText(req.dir, ['diff', '--stat=200', range], req.signal);
      return stat.trim() === '' ? '(no changes in this cycle)' : fence(capMiddle(stat.trimEnd(), MAX_GIT_OUTPUT_CHARS));
    },
    req.signal,
    asText,
  );
  const changeExcerpt = await orFailure(
    'the change excerpt',
    () => buildChangeExcerpt({ ...req, budgetChars: req.diffBudgetChars }),
    req.signal,
    asText,
  );
  const commitLog = await orFailure(
    'the commit log',
    async () => {
      const log = await gitText(req.dir, ['log', '--no-decorate', '--format=%h %s', '-n', '200', range], req.signal);
      return log.trim() === '' ? '(no commits)' : fence(capMiddle(log.trimEnd(), MAX_GIT_OUTPUT_CHARS));
    },
    req.signal,
    asText,
  );
  let tamper: { flags: TamperFlag[]; problem?: string } = await orFailure(
    'the test tampering checks',
    async () => ({ flags: await detectTestTampering(req) }),
    req.signal,
    (problem) => ({ flags: [], problem }),
  );

  const command = req.testCommand?.trim() ?? '';
  if (command === '') {
    return {
      testResult: 'No test command is configured for this project: judge from the code and its tests as you read them.',
      tamperChecks: formatFlags(tamper, 'There is no test command, so test counts are not compared.'),
      diffStat,
      changeExcerpt,
      commitLog,
      record: { tamperFlags: tamper.flags.map((f) => `${f.kind}: ${f.detail}`) },
    };
  }
  const head = await runTestCommand({
    command,
    dir: req.dir,
    timeoutMs: req.testTimeoutMs,
    signal: req.signal,
    sandboxing: req.sandboxing,
  });
  const base = await orFailure<{ counts?: RunnerCounts; note: string }>(
    'the test counts at the base',
    () => baseCounts(req, command, head),
    req.signal,
    (note) => ({ note }),
  );
  if (base.counts && head.counts) tamper = { ...tamper, flags: [...tamper.flags, ...countFlags(base.counts, head.counts)] };
  const headCounts = head.counts ? ` The runner reports ${countsText(head.counts)}.` : '';
  const testResult = `${inlineCode(command)} — ${head.passed ? 'passed' : 'FAILED'}, ${head.status}.${headCounts}\n${fence(head.output)}`;
  return {
    testResult,
    tamperChecks: formatFlags(tamper, base.note),
    diffStat,
    changeExcerpt,
    commitLog,
    record: {
      testsPassed: head.passed,
      ...(head.passed
        ? {}
        : {
            testFailure: `the test command ${inlineCode(command)} fails at the head commit ${req.headCommit.slice(0, 12)} (${head.status})`,
          }),
      ...(head.counts ? { testCounts: { commit: req.headCommit, ...head.counts } } : {}),
      tamperFlags: tamper.flags.map((f) => `${f.kind}: ${f.detail}`),
    },
  };
}
