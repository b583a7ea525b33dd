import { execFile } from 'child_process';
import { SandboxUnavailableError } from '../sandbox/commandSandbox';
import type { CommandSandboxing } from '../sandbox/sandboxes';
import { fence, inlineCode } from './promptInputs';
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
}

/** What the judge is shown before it looks around itself; every part is bounded text. */
export interface JudgeEvidence {
  testResult: string;
  diffStat: string;
  commitLog: string;
}

const MAX_TEST_OUTPUT_CHARS = 15_000;
const MAX_GIT_OUTPUT_CHARS = 8_000;

/** Commit ids and plain ref names only: whatever comes in must not be read by git as an option. */
function checkRevision(rev: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._/^~@{}-]*$/.test(rev)) throw new Error(`not a usable revision: ${JSON.stringify(rev)}`);
  return rev;
}

function git(dir: string, args: string[], signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd: dir, signal, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`git ${args.join(' ')} failed: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

/**
 * A failure to compute a piece of evidence is itself evidence for the judge (and visible in the
 * transcript), so it is reported in place of the piece rather than failing the whole review.
 */
async function orFailure(what: string, work: () => Promise<string>, signal: AbortSignal): Promise<string> {
  try {
    return await work();
  } catch (err) {
    signal.throwIfAborted();
    return `(could not compute ${what}: ${(err as Error).message})`;
  }
}

export async function gatherJudgeEvidence(req: EvidenceRequest): Promise<JudgeEvidence> {
  const range = `${checkRevision(req.baseCommit)}..${checkRevision(req.headCommit)}`;
  const diffStat = await orFailure(
    'the diff stat',
    async () => {
      const stat = await git(req.dir, ['diff', '--stat=200', range], req.signal);
      return stat.trim() === '' ? '(no changes in this cycle)' : fence(capMiddle(stat.trimEnd(), MAX_GIT_OUTPUT_CHARS));
    },
    req.signal,
  );
  const commitLog = await orFailure(
    'the commit log',
    async () => {
      const log = await git(req.dir, ['log', '--no-decorate', '--format=%h %s', '-n', '200', range], req.signal);
      return log.trim() === '' ? '(no commits)' : fence(capMiddle(log.trimEnd(), MAX_GIT_OUTPUT_CHARS));
    },
    req.signal,
  );
  let testResult: string;
  if (req.testCommand === undefined || req.testCommand.trim() === '') {
    testResult = 'No test command is configured for this project: judge from the code and its tests as you read them.';
  } else {
    testResult = await judgeTestRun(req, req.testCommand);
  }
  return { testResult, diffStat, commitLog };
}

/** The test command's result as the judge reads it; a sandbox that cannot start is said so, not hidden. */
async function judgeTestRun(req: EvidenceRequest, command: string): Promise<string> {
  let result;
  try {
    result = await runShell({
      command,
      cwd: req.dir,
      timeoutMs: req.testTimeoutMs,
      signal: req.signal,
      maxOutputChars: MAX_TEST_OUTPUT_CHARS,
      sandboxing: req.sandboxing,
    });
  } catch (err) {
    if (err instanceof SandboxUnavailableError) return `${inlineCode(command)} — not run: ${err.message}`;
    throw err;
  }
  req.signal.throwIfAborted();
  const [status, ...output] = describeShellResult(result, Math.round(req.testTimeoutMs / 1000)).split('\n');
  return `${inlineCode(command)} — ${status ?? ''}\n${fence(output.join('\n').trimEnd())}`;
}
