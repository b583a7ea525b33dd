import { clip } from '../schemas/task';
import type {
  AgentResult,
  AgentRunContext,
  ConflictRequest,
  SecretsRequest,
  TestFailureRequest,
  WorkerAgent,
  WorkerAgentRequest,
  WorkOutcome,
} from './agentContracts';
import type { AgentDependencies } from './agentDependencies';
import { runAgentLoop, type LoopLimits } from './agentLoop';
import { describeUnfinished, toAgentResult } from './agentResult';
import { workerFinishReview } from './finishReview';
import { modelSettingsFor } from './modelSettings';
import { bulletList, fence, formatSteering, formatTesting, oneLine } from './promptInputs';
import { PromptLibrary, type RenderedPrompt } from './promptTemplate';
import { repositoryInstructions } from './repositoryInstructions';
import { taskBudgetFrom } from './taskBudget';
import { createSandboxes } from '../sandbox/createSandboxes';
import type { Sandboxes } from '../sandbox/sandboxes';
import { finishTaskTool } from './tools/terminalTools';
import { workerTools } from './tools/toolSets';

export const defaultWorkerLimits: LoopLimits = { maxTurns: 150, maxProseReminders: 3 };

type WorkerVars =
  'task_id' | 'task_title' | 'task_instructions' | 'task_files' | 'goal' | 'testing' | 'steering' | 'repository_instructions';
type ConflictVars =
  | 'task_id'
  | 'task_title'
  | 'task_instructions'
  | 'conflicted_files'
  | 'conflict_details'
  | 'goal'
  | 'testing'
  | 'steering'
  | 'repository_instructions';

type SecretsVars = 'task_id' | 'task_title' | 'task_instructions' | 'findings' | 'testing' | 'steering';

function secretsVars(req: SecretsRequest): Record<SecretsVars, string> {
  return {
    task_id: req.taskId,
    task_title: oneLine(req.task.title, 200),
    task_instructions: req.task.instructions,
    findings: clip(req.details, 8_000),
    testing: formatTesting(req.testCommand),
    steering: formatSteering(req.steering),
  };
}

type TestFailureVars = 'task_id' | 'task_title' | 'task_instructions' | 'test_output' | 'goal' | 'testing' | 'steering';

function workerVars(req: WorkerAgentRequest, instructions: string): Record<WorkerVars, string> {
  return {
    task_id: req.taskId,
    task_title: oneLine(req.task.title, 200),
    task_instructions: req.task.instructions,
    task_files: bulletList(
      (req.task.files ?? []).map((f) => `\`${f}\``),
      '(none declared: find what to change from the instructions, and keep the change small)',
      100,
    ),
    goal: clip(req.goal, 20_000),
    testing: formatTesting(req.testCommand),
    steering: formatSteering(req.steering),
    repository_instructions: instructions,
  };
}

function conflictVars(req: ConflictRequest, instructions: string): Record<ConflictVars, string> {
  return {
    task_id: req.taskId,
    task_title: oneLine(req.task.title, 200),
    task_instructions: req.task.instructions,
    conflicted_files: bulletList(
      req.conflictedFiles.map((f) => `\`${f}\``),
      '(git named none; search for conflict markers)',
      200,
    ),
    conflict_details: clip(req.details, 8_000),
    goal: clip(req.goal, 20_000),
    testing: formatTesting(req.testCommand),
    steering: formatSteering(req.steering),
    repository_instructions: instructions,
  };
}

function testFailureVars(req: TestFailureRequest): Record<TestFailureVars, string> {
  return {
    task_id: req.taskId,
    task_title: oneLine(req.task.title, 200),
    task_instructions: req.task.instructions,
    test_output: fence(clip(req.testOutput, 8_000)),
    goal: clip(req.goal, 20_000),
    testing: formatTesting(req.testCommand),
    steering: formatSteering(req.steering),
  };
}

/** Carries out one task in its own working copy, and resolves merge conflicts left there. */
export class ModelWorkerAgent implements WorkerAgent {
  private readonly prompts: PromptLibrary;
  private readonly sandboxes: Sandboxes;

  constructor(private readonly deps: AgentDependencies) {
    this.prompts = deps.prompts ?? new PromptLibrary();
    this.sandboxes = deps.sandboxes ?? createSandboxes();
  }

  async work(req: WorkerAgentRequest, ctx: AgentRunContext): Promise<AgentResult<WorkOutcome>> {
    const instructions = await repositoryInstructions(req.dir, req.task.files ?? []);
    return this.run('worker', req, ctx, this.prompts.render<WorkerVars>('worker', workerVars(req, instructions)), 'finishing the task');
  }

  async resolveConflict(req: ConflictRequest, ctx: AgentRunContext): Promise<AgentResult<WorkOutcome>> {
    const instructions = await repositoryInstructions(req.dir, [...(req.task.files ?? []), ...req.conflictedFiles]);
    return this.run(
      'worker-conflict',
      req,
      ctx,
      this.prompts.render<ConflictVars>('conflict', conflictVars(req, instructions)),
      'resolving the conflict',
    );
  }

  removeSecrets(req: SecretsRequest, ctx: AgentRunContext): Promise<AgentResult<WorkOutcome>> {
    return this.run('worker-secrets', req, ctx, this.prompts.render<SecretsVars>('secrets', secretsVars(req)), 'removing the credentials');
  }

  fixTests(req: TestFailureRequest, ctx: AgentRunContext): Promise<AgentResult<WorkOutcome>> {
    return this.run(
      'worker-tests',
      req,
      ctx,
      this.prompts.render<TestFailureVars>('tests', testFailureVars(req)),
      'fixing the failing tests',
    );
  }

  private async run(
    role: 'worker' | 'worker-conflict' | 'worker-secrets' | 'worker-tests',
    req: WorkerAgentRequest,
    ctx: AgentRunContext,
    prompt: RenderedPrompt,
    what: string,
  ): Promise<AgentResult<WorkOutcome>> {
    const outcome = await runAgentLoop({
      role,
      ...modelSettingsFor(this.deps, 'worker', req.model, req.reasoningEffort),
      system: prompt.system,
      kickoff: prompt.kickoff,
      promptVersion: prompt.version,
      tools: workerTools(),
      terminal: finishTaskTool,
      dir: req.dir,
      sandboxing: this.sandboxes.for('commands', req.sandbox),
      limits: { ...defaultWorkerLimits, ...this.deps.limits },
      budget: taskBudgetFrom({ ...this.deps.taskLimits, ...req.taskLimits }),
      // A conflict resolution may rightly change nothing more and need no test run of its own.
      ...(role === 'worker' ? { reviewFinish: workerFinishReview({ dir: req.dir, testCommand: req.testCommand }) } : {}),
      transcripts: this.deps.transcripts,
      prompts: this.prompts,
      ctx,
    });
    return toAgentResult(outcome, prompt.version, (stop) => ({
      outcome: 'blocked' as const,
      summary: clip(describeUnfinished(stop, outcome.turns, what), 4_000),
    }));
  }
}
