import * as fs from 'node:fs';
import * as path from 'node:path';
import type {
  AgentRunContext,
  Agents,
  JudgeAgentRequest,
  PlannerAgentRequest,
  TestFailureRequest,
  WorkerAgentRequest,
  WorkOutcome,
} from '../../src/agents/agentContracts';
import type { PlanProposal } from '../../src/schemas/plan';
import type { Usage } from '../../src/schemas/usage';
import type { VerdictProposal } from '../../src/schemas/verdict';

/** Usage every scripted call reports, so tests can check that totals add up exactly. */
export const scriptedCallUsage: Usage = { calls: 1, inputTokens: 100, cachedInputTokens: 20, outputTokens: 10, costUsd: 0.0015 };

export interface AgentScript {
  plan(req: PlannerAgentRequest): PlanProposal | Promise<PlanProposal>;
  work?(req: WorkerAgentRequest, ctx: AgentRunContext): WorkOutcome | Promise<WorkOutcome>;
  /** Default: blocked (the scripted worker cannot fix tests). */
  fixTests?(req: TestFailureRequest, ctx: AgentRunContext): WorkOutcome | Promise<WorkOutcome>;
  judge(req: JudgeAgentRequest): VerdictProposal | Promise<VerdictProposal>;
}

/**
 * Deterministic agents for orchestration tests: they follow a script instead of calling a model.
 * By default a worker writes one file named after its task into its working copy.
 */
export function scriptedAgents(script: AgentScript): Agents & { calls: { plan: number; work: number; judge: number; fixTests: number } } {
  const calls = { plan: 0, work: 0, judge: 0, fixTests: 0 };
  return {
    calls,
    planner: {
      async plan(req) {
        calls.plan++;
        return { result: await script.plan(req), usage: scriptedCallUsage, promptVersion: 'scripted' };
      },
    },
    worker: {
      async work(req, ctx) {
        calls.work++;
        const result = script.work ? await script.work(req, ctx) : writeTaskFile(req);
        return { result, usage: scriptedCallUsage, promptVersion: 'scripted' };
      },
      async resolveConflict() {
        return {
          result: { outcome: 'blocked', summary: 'scripted worker does not resolve conflicts' },
          usage: scriptedCallUsage,
          promptVersion: 'scripted',
        };
      },
      async removeSecrets() {
        return {
          result: { outcome: 'blocked', summary: 'scripted worker does not remove credentials' },
          usage: scriptedCallUsage,
          promptVersion: 'scripted',
        };
      },
      async fixTests(req, ctx) {
        calls.fixTests++;
        const result = script.fixTests
          ? await script.fixTests(req, ctx)
          : { outcome: 'blocked' as const, summary: 'scripted worker does not fix tests' };
        return { result, usage: scriptedCallUsage, promptVersion: 'scripted' };
      },
    },
    judge: {
      async judge(req) {
        calls.judge++;
        return { result: await script.judge(req), usage: scriptedCallUsage, promptVersion: 'scripted' };
      },
    },
  };
}

export function writeTaskFile(req: WorkerAgentRequest): WorkOutcome {
  const file = path.join(req.dir, 'work', `${req.taskId}.txt`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${req.task.title}\n`);
  return { outcome: 'done', summary: `wrote work/${req.taskId}.txt` };
}
