import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { LimitsPatch } from '../schemas/limits';
import { ProjectInput } from '../schemas/projectInput';
import { UsageError } from './cliError';
import { deadline, modelRef, nonNegativeInteger, positiveAmount, positiveInteger } from './optionParsers';

/** Limit options as commander parses them (shared by `run`, `start` and `limits`). */
export interface LimitOptions {
  maxCycles?: number;
  maxTasks?: number;
  maxTokens?: number;
  maxCost?: number;
  deadline?: string;
  maxParallelWorkers?: number;
  maxPlannerDepth?: number;
  maxPlannerRounds?: number;
  outageBudget?: number;
}

/** `run` and `start` options as commander parses them. */
export interface ProjectOptions extends LimitOptions {
  goal?: string;
  repo?: string;
  id?: string;
  baseBranch?: string;
  targetBranch?: string;
  testCommand?: string;
  setupCommand?: string;
  plannerModel?: string;
  workerModel?: string;
  judgeModel?: string;
}

export function addLimitOptions(command: Command): Command {
  return command
    .option('--max-cycles <n>', 'stop after this many cycles (default 20)', positiveInteger)
    .option('--max-tasks <n>', 'start no more than this many tasks in total (default 10000)', positiveInteger)
    .option('--max-tokens <n>', 'stop starting work once this many tokens are used', positiveInteger)
    .option('--max-cost <usd>', 'stop starting work once this much is spent, in USD', positiveAmount)
    .option('--deadline <time>', 'no new work after this time: ISO-8601 with a zone, or a duration from now (36h, 7d)', (v: string) =>
      deadline(v),
    )
    .option('--max-parallel-workers <n>', 'workers running at once across the project, 1-500 (default 8)', positiveInteger)
    .option('--max-planner-depth <n>', 'how deep sub-planners may nest, 0-6 (default 3)', nonNegativeInteger)
    .option('--max-planner-rounds <n>', 'planning rounds per planner per cycle, 1-50 (default 6)', positiveInteger)
    .option(
      '--outage-budget <minutes>',
      "how long a model provider's outage is waited out before the project pauses itself (default 180)",
      positiveAmount,
    );
}

export function addProjectOptions(command: Command): Command {
  command
    .option('--goal <text>', 'what the agents should achieve (required to start a project)')
    .option('--repo <path|url>', 'the git repository: a local path or a git URL (required to start a project)')
    .option('--id <projectId>', 'project id (letters, digits, ".", "_", "-"); default: made from the goal and the time')
    .option('--base-branch <branch>', "branch the work starts from (default: the repository's default branch)")
    .option('--target-branch <branch>', 'branch the work is pushed to (default: longhaul/<id>)')
    .option('--test-command <command>', 'command that checks the work, e.g. "npm test"')
    .option(
      '--setup-command <command>',
      'command that installs a checkout\'s dependencies, e.g. "npm ci" (default: from the worker\'s config)',
    )
    .option('--planner-model <provider:model>', 'model for planners, e.g. openai:gpt-5.2', modelRef)
    .option('--worker-model <provider:model>', 'model for workers', modelRef)
    .option('--judge-model <provider:model>', 'model for the judge', modelRef);
  return addLimitOptions(command);
}

/** The limits named on the command line, validated; empty when none was given. */
export function limitsPatch(options: LimitOptions): LimitsPatch {
  const candidate: Record<string, unknown> = {
    maxCycles: options.maxCycles,
    maxTasks: options.maxTasks,
    maxTokens: options.maxTokens,
    maxCostUsd: options.maxCost,
    deadline: options.deadline,
    maxParallelWorkers: options.maxParallelWorkers,
    maxPlannerDepth: options.maxPlannerDepth,
    maxPlannerRounds: options.maxPlannerRounds,
    outageBudgetMinutes: options.outageBudget,
  };
  const given = Object.fromEntries(Object.entries(candidate).filter(([, value]) => value !== undefined));
  const parsed = LimitsPatch.safeParse(given);
  if (!parsed.success) throw new UsageError(`Invalid limits: ${issueText(parsed.error.issues, flagOfLimit)}`);
  return parsed.data;
}

/** Whether the options name anything to start a project with (rather than only an id to attach to). */
export function hasProjectDefinition(options: ProjectOptions): boolean {
  return options.goal !== undefined || options.repo !== undefined;
}

/**
 * The project input from the options, validated with the workflow's own schema. A repository given as
 * an existing local path is made absolute, since workers resolve paths from their own directory.
 */
export function projectInput(options: ProjectOptions, cwd: string): ProjectInput {
  if (options.goal === undefined || options.repo === undefined) {
    throw new UsageError('To start a project, give both --goal "<what to achieve>" and --repo <path|url>.');
  }
  const local = path.resolve(cwd, options.repo);
  const repo = !/^[a-z][a-z0-9+.-]*:\/\//i.test(options.repo) && fs.existsSync(local) ? local : options.repo;
  const models = { planner: options.plannerModel, worker: options.workerModel, judge: options.judgeModel };
  const limits = limitsPatch(options);
  const candidate = {
    goal: options.goal,
    repo,
    baseBranch: options.baseBranch,
    targetBranch: options.targetBranch,
    testCommand: options.testCommand,
    setupCommand: options.setupCommand,
    models: Object.values(models).some((m) => m !== undefined) ? dropUndefined(models) : undefined,
    limits: Object.keys(limits).length > 0 ? limits : undefined,
  };
  const parsed = ProjectInput.safeParse(dropUndefined(candidate));
  if (!parsed.success) throw new UsageError(`Invalid project: ${issueText(parsed.error.issues, flagOfInput)}`);
  return parsed.data;
}

function dropUndefined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const limitFlags: Record<string, string> = {
  maxCycles: '--max-cycles',
  maxTasks: '--max-tasks',
  maxTokens: '--max-tokens',
  maxCostUsd: '--max-cost',
  deadline: '--deadline',
  maxParallelWorkers: '--max-parallel-workers',
  maxPlannerDepth: '--max-planner-depth',
  maxPlannerRounds: '--max-planner-rounds',
  outageBudgetMinutes: '--outage-budget',
};

const inputFlags: Record<string, string> = {
  goal: '--goal',
  repo: '--repo',
  baseBranch: '--base-branch',
  targetBranch: '--target-branch',
  testCommand: '--test-command',
  setupCommand: '--setup-command',
};

function flagOfLimit(pathParts: PropertyKey[]): string {
  return limitFlags[String(pathParts[0])] ?? String(pathParts.join('.'));
}

function flagOfInput(pathParts: PropertyKey[]): string {
  if (pathParts[0] === 'limits') return flagOfLimit(pathParts.slice(1));
  if (pathParts[0] === 'models') return `--${String(pathParts[1])}-model`;
  return inputFlags[String(pathParts[0])] ?? String(pathParts.join('.'));
}

function issueText(issues: readonly { path: PropertyKey[]; message: string }[], flag: (p: PropertyKey[]) => string): string {
  return issues.map((issue) => `${flag(issue.path)} ${issue.message}`).join('; ');
}
