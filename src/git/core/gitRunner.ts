import { GitError, GitPluginError, simpleGit } from 'simple-git';

/** Who the commits longhaul makes are attributed to. */
export interface GitIdentity {
  name: string;
  email: string;
}

export const defaultIdentity: GitIdentity = { name: 'longhaul worker', email: 'longhaul@localhost' };

export interface GitRunOptions {
  cwd: string;
  identity: GitIdentity;
  /** Resolve with the exit code instead of throwing when git fails. */
  allowFailure?: boolean;
  /** Kill git when it has been silent this long (a hung network or lock wait). */
  idleTimeoutMs?: number;
  signal?: AbortSignal;
  /** Needed only to pass `--receive-pack`, which simple-git blocks by default. */
  allowPackOverride?: boolean;
  /** Author and committer date of the commits this command makes, so a replay comes out the same wherever it runs. */
  commitDate?: string;
}

export interface GitRunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export class GitCommandError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`git ${args.join(' ')} failed (exit ${exitCode}): ${(stderr || stdout).trim().slice(0, 2_000)}`);
    this.name = 'GitCommandError';
  }
}

/**
 * Settings every git call gets, whatever the user's global configuration says: no signing prompts, no
 * background gc racing the shared cache, no tracking config written per task branch, plain conflict
 * markers, and unquoted UTF-8 paths in output.
 */
const fixedConfig: readonly string[] = [
  'core.quotePath=false',
  'commit.gpgSign=false',
  'tag.gpgSign=false',
  'gc.auto=0',
  'maintenance.auto=false',
  'fetch.writeCommitGraph=false',
  'branch.autoSetupMerge=false',
  'rebase.autoStash=false',
  'rebase.autoSquash=false',
  'rebase.updateRefs=false',
  'rerere.enabled=false',
  'merge.conflictStyle=merge',
  'advice.detachedHead=false',
  'init.defaultBranch=main',
  'color.ui=false',
];

/** Ambient variables simple-git guards (all GIT_* plus editor/pager/askpass style keys). */
const guardedKeys: ReadonlySet<string> = new Set(['editor', 'visual', 'pager', 'prefix', 'ssh_askpass']);
/** Ambient transport settings worth keeping so https remotes behind a private CA still work. */
const passThroughKeys: readonly string[] = ['GIT_SSL_CAINFO', 'GIT_SSL_CAPATH'];
const identityKeys: readonly string[] = [
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
  'GIT_TERMINAL_PROMPT',
  'GIT_AUTHOR_DATE',
  'GIT_COMMITTER_DATE',
];

function isGuarded(key: string): boolean {
  const lower = key.toLowerCase();
  return lower.startsWith('git_') || guardedKeys.has(lower);
}

function gitEnvironment(identity: GitIdentity, commitDate?: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !isGuarded(key)) env[key] = value;
  }
  for (const key of passThroughKeys) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  // Messages are parsed (conflicts, push rejections): keep them in English.
  env.LC_ALL = 'C';
  env.LANGUAGE = 'C';
  env.GIT_AUTHOR_NAME = identity.name;
  env.GIT_AUTHOR_EMAIL = identity.email;
  env.GIT_COMMITTER_NAME = identity.name;
  env.GIT_COMMITTER_EMAIL = identity.email;
  // Never wait for a password on a terminal nobody watches.
  env.GIT_TERMINAL_PROMPT = '0';
  if (commitDate !== undefined) env.GIT_AUTHOR_DATE = env.GIT_COMMITTER_DATE = commitDate;
  return env;
}

/** Runs one git command through simple-git and returns its full output. */
export async function runGit(args: readonly string[], options: GitRunOptions): Promise<GitRunResult> {
  let captured: { stdOut: Buffer[]; stdErr: Buffer[]; exitCode: number } | undefined;
  const git = simpleGit({
    baseDir: options.cwd,
    trimmed: false,
    maxConcurrentProcesses: 1,
    // Finish on 'close' only: simple-git's default also finishes 50 ms after 'exit', which on a busy
    // machine can be before the output has been read, silently truncating it.
    completion: { onClose: true, onExit: false },
    config: [...fixedConfig],
    allowEnvironment: [...identityKeys, ...passThroughKeys],
    unsafe: { allowUnsafePack: options.allowPackOverride === true },
    ...(options.signal ? { abort: options.signal } : {}),
    ...(options.idleTimeoutMs ? { timeout: { block: options.idleTimeoutMs } } : {}),
    // Keep the exit code and both streams; callers decide what a non-zero exit means. Failures that
    // are not git's own answer (abort, idle timeout, a blocked option, a failed spawn) still throw.
    errors(error, result) {
      captured = result;
      if (error instanceof GitPluginError) return error;
      if (error instanceof Error && !(error instanceof GitError)) return error;
      return undefined;
    },
  });
  git.env(gitEnvironment(options.identity, options.commitDate));
  await git.raw([...args]);
  if (captured === undefined) throw new Error(`git ${args.join(' ')} finished without reporting its output`);
  const result: GitRunResult = {
    stdout: Buffer.concat(captured.stdOut).toString('utf8'),
    stderr: Buffer.concat(captured.stdErr).toString('utf8'),
    exitCode: captured.exitCode,
  };
  if (result.exitCode !== 0 && options.allowFailure !== true) {
    throw new GitCommandError(args, result.exitCode, result.stdout, result.stderr);
  }
  return result;
}

/** A git runner bound to one directory and identity. */
export type Git = (args: readonly string[], extra?: Partial<GitRunOptions>) => Promise<GitRunResult>;

export function gitIn(cwd: string, identity: GitIdentity, idleTimeoutMs?: number): Git {
  return (args, extra) => runGit(args, { cwd, identity, idleTimeoutMs, ...extra });
}
