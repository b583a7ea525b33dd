import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { billedUsage } from '../agents/conversationReplay';
import { workerTaskAttempts } from '../contract/activityOptions';
import type { AgentResult, Agents, WorkerAgentRequest, WorkOutcome } from '../agents/agentContracts';
import type { ConflictInfo, IntegrationResult, TaskWorktree, Workspace } from '../git/workspaceContract';
import { parseInput } from '../schemas/parseInput';
import { outsideClaims, registryClaims } from '../schemas/claimPaths';
import { clip, outsideClaimsNote, type OutsideClaims, type PlannedTask, type TaskResult } from '../schemas/task';
import { addUsage, zeroUsage, type Usage } from '../schemas/usage';
import { WorkerTaskInput } from '../schemas/workerTask';
import type { TranscriptStore } from '../state/transcriptStore';
import { startAgentRun, transcriptRefFor } from './agentRunContext';
import { landThroughMergeQueue } from './landThroughMergeQueue';

/**
 * One worker on one task, end to end: a fresh worktree, the worker agent grinding on the task, then
 * integration onto the target branch. A conflict goes back to the same agent in the same worktree.
 * A retried attempt resumes from its branch and its last checkpoint instead of starting over.
 */
export function createRunWorkerTask(agents: Agents, workspace: Workspace, transcripts?: TranscriptStore) {
  /** What every attempt of the task was billed for, from its transcript (zero without one). */
  async function spentOn(transcriptRef: string): Promise<Usage> {
    if (!transcripts || !(await transcripts.exists(transcriptRef))) return zeroUsage;
    return billedUsage((await transcripts.read(transcriptRef)).records);
  }

  return async function runWorkerTask(raw: WorkerTaskInput): Promise<TaskResult> {
    const input = parseInput(WorkerTaskInput, raw, 'worker task');
    const { scope } = input;
    const { settings } = scope;
    const transcriptRef = transcriptRefFor(settings.projectId, scope.cycle, input.taskId);
    const base = { taskId: input.taskId, title: input.task.title, transcriptRef };
    const run = startAgentRun(transcriptRef, settings);
    let worktree: TaskWorktree | undefined;
    try {
      worktree = await workspace.openTask(
        {
          projectId: settings.projectId,
          repo: settings.repo,
          targetBranch: settings.targetBranch,
          cycle: scope.cycle,
          taskId: input.taskId,
          title: input.task.title,
          sinceCommit: scope.baseCommit,
          setupCommand: settings.setupCommand,
        },
        run.ctx.signal,
      );
      if (worktree.integratedCommit) {
        return {
          ...base,
          status: 'done',
          summary: 'Integrated by an earlier attempt of this task.',
          commit: worktree.integratedCommit,
          usage: await spentOn(transcriptRef),
        };
      }
      const request: WorkerAgentRequest = {
        projectId: settings.projectId,
        cycle: scope.cycle,
        taskId: input.taskId,
        goal: settings.goal,
        task: input.task,
        model: settings.models.worker,
        dir: worktree.dir,
        testCommand: settings.testCommand,
        steering: input.steering,
        ...(settings.reasoning?.worker !== undefined ? { reasoningEffort: settings.reasoning.worker } : {}),
        taskLimits: settings.limits,
        ...(settings.sandbox ? { sandbox: settings.sandbox } : {}),
      };
      const worked = await agents.worker.work(request, run.ctx);
      let usage: Usage = worked.usage;
      const outside = await changesOutsideClaims(worktree, input.task);
      const finish = (result: Omit<TaskResult, 'usage' | 'taskId' | 'title' | 'transcriptRef'>): TaskResult => ({
        ...base,
        ...result,
        ...(outside ? { outsideClaims: outside } : {}),
        summary: clip(result.summary, 4_000),
        usage,
        promptVersion: worked.promptVersion,
      });
      if (worked.result.outcome === 'blocked' || worked.stoppedBy) {
        const detail = worked.stopDetail !== undefined ? ` (${worked.stopDetail})` : '';
        const why = worked.stoppedBy ? `Stopped by ${worked.stoppedBy.replace('_', ' ')}${detail}. ` : '';
        const status = worked.stoppedBy === 'stalled' ? 'stalled' : worked.stoppedBy ? 'failed' : 'blocked';
        return finish({ status, summary: `${why}${worked.result.summary}` });
      }
      const resolveConflict = async (conflict: ConflictInfo): Promise<boolean> => {
        const resolved: AgentResult<WorkOutcome> = await agents.worker.resolveConflict({ ...request, ...conflict }, run.ctx);
        usage = addUsage(usage, resolved.usage);
        return resolved.result.outcome === 'done';
      };
      const removeSecrets = async (secrets: { details: string }): Promise<boolean> => {
        const fixed: AgentResult<WorkOutcome> = await agents.worker.removeSecrets({ ...request, details: secrets.details }, run.ctx);
        usage = addUsage(usage, fixed.usage);
        return fixed.result.outcome === 'done';
      };
      const testCommand = settings.testCommand;
      const sandbox = settings.sandbox ? { sandbox: settings.sandbox } : {};
      // With a test command, the target's merge queue tests batches of tasks and lands them together.
      const integration: IntegrationResult =
        testCommand === undefined
          ? await worktree.integrate({ message: input.task.title, signal: run.ctx.signal, ...sandbox, resolveConflict, removeSecrets })
          : await landThroughMergeQueue({
              worktree,
              input,
              testCommand,
              resolveConflict,
              removeSecrets,
              fixTests: async (testOutput) => {
                const fixed = await agents.worker.fixTests({ ...request, testOutput }, run.ctx);
                usage = addUsage(usage, fixed.usage);
                return fixed.result.outcome === 'done';
              },
              signal: run.ctx.signal,
            });
      switch (integration.status) {
        case 'integrated':
          return finish({ status: 'done', summary: worked.result.summary, commit: integration.commit });
        case 'no_changes':
          return finish({ status: 'done', summary: `No changes were needed. ${worked.result.summary}` });
        case 'conflict':
          return finish({
            status: 'conflict',
            summary: `Could not integrate: conflict in ${integration.conflictedFiles.join(', ')}. ${integration.details}`,
          });
        case 'secrets_found':
          return finish({ status: 'failed', summary: `Not integrated: the change carries credentials.\n${integration.details}` });
        case 'tests_failed':
          return finish({ status: 'failed', summary: `The test command failed after integration:\n${integration.output.slice(-2_000)}` });
      }
    } catch (err) {
      // A failure that ends the task goes back to its planner as a result, so that what its attempts
      // were billed for is counted; one that will be retried (or a cancellation) is thrown.
      const attempt = Context.current().info.attempt;
      const final = (err instanceof ApplicationFailure && err.nonRetryable) || attempt >= workerTaskAttempts;
      if (run.ctx.signal.aborted || !final || !(err instanceof Error)) throw err;
      const after = attempt > 1 ? ` after ${attempt} attempts` : '';
      return {
        ...base,
        status: 'failed',
        summary: clip(`Task failed${after}: ${err.message}`, 4_000),
        usage: await spentOn(transcriptRef),
      };
    } finally {
      run.stop();
      // On every path, failures included: disposing keeps unfinished work on the task branch and
      // frees the worktree, so a retry on this machine continues from it instead of finding it busy.
      await worktree?.dispose().catch((err: unknown) => {
        Context.current().log.warn('Could not dispose of the task worktree', { taskId: input.taskId, error: String(err) });
      });
    }
  };
}

/** Files the worker's change touched beyond the paths its task declared (none declared: nothing to compare). */
async function changesOutsideClaims(worktree: TaskWorktree, task: PlannedTask): Promise<OutsideClaims | undefined> {
  const files = task.files ?? [];
  if (files.length === 0) return undefined;
  const outside = outsideClaims(await worktree.changedFiles(), registryClaims(files, files.length));
  return outside.length === 0 ? undefined : outsideClaimsNote(outside, outside.length);
}
