import { clip } from '../schemas/task';
import type {
  AgentResult,
  AgentRunContext,
  ConflictRequest,
  TestFailureRequest,
  WorkerAgent,
  WorkerAgentRequest,
  WorkOutcome,
} from './agentContracts';
import type { AgentDependencies } from './agentDependencies';
import { runAgentLoop, type LoopLimits } from './agentLoop';
import { describeUnfinished, toAgentResult } from './agentResult';
import { bulletList, fence, formatSteering, formatTesting, oneLine } from './promptInputs';
import { PromptLibrary, type RenderedPrompt } from './promptTemplate';
import { finishTaskTool } from './tools/terminalTools';
import { workerTools } from './tools/toolSets';

export const defaultWorkerLimits: LoopLimits = { maxTurns: 150, maxProseReminders: 3 };

type WorkerVars = 'task_id' | 'task_title' | 'task_instructions' | 'task_files' | 'goal' | 'testing' | 'steering';
type ConflictVars =
  | 'task_id'
  | 'task_title'
  | 'task_instructions'
  | 'conflicted_files'
  | 'conflict_details'
  | 'goal'
  | 'testing'
  | 'steering';

type TestFailureVars = 'task_id' | 'task_title' | 'task_instructions' | 'test_output' | 'goal' | 'testing' | 'steering';

function workerVars(req: WorkerAgentRequest): Record<WorkerVars, string> {
  return {
    task_id: req.taskId,
    task_title: oneLine(req.task.title, 200),
    task_instructions: req.task.instructions,
    task_files: bulletList(
      (req.task.files ?? []).map((f) => `\`${f}\``),
      '(not specified: find them from the instructions)',
      100,
    ),
    goal: clip(req.goal, 20_000),
    testing: formatTesting(req.testCommand),
    steering: formatSteering(req.steering),
  };
}

function conflictVars(req: ConflictRequest): Record<ConflictVars, string> {
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

  constructor(private readonly deps: AgentDependencies) {
    this.prompts = deps.prompts ?? new PromptLibrary();
  }

  work(req: WorkerAgentRequest, ctx: AgentRunContext): Promise<AgentResult<WorkOutcome>> {
    return this.run('worker', req, ctx, this.prompts.render<WorkerVars>('worker', workerVars(req)), 'finishing the task');
  }

  resolveConflict(req: ConflictRequest, ctx: AgentRunContext): Promise<AgentResult<WorkOutcome>> {
    return this.run(
      'worker-conflict',
      req,
      ctx,
      this.prompts.render<ConflictVars>('conflict', conflictVars(req)),
      'resolving the conflict',
    );
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
    role: 'worker' | 'worker-conflict' | 'worker-tests',
    req: WorkerAgentRequest,
    ctx: AgentRunContext,
    prompt: RenderedPrompt,
    what: string,
  ): Promise<AgentResult<WorkOutcome>> {
    const { client, model } = this.deps.models(req.model);
    const outcome = await runAgentLoop({
      role,
      client,
      model,
      system: prompt.system,
      kickoff: prompt.kickoff,
      promptVersion: prompt.version,
      tools: workerTools(),
      terminal: finishTaskTool,
      dir: req.dir,
      limits: { ...defaultWorkerLimits, ...this.deps.limits },
      transcripts: this.deps.transcripts,
      ctx,
    });
    return toAgentResult(outcome, prompt.version, (stop) => ({
      outcome: 'blocked' as const,
      summary: clip(describeUnfinished(stop, outcome.turns, what), 4_000),
    }));
  }
}
