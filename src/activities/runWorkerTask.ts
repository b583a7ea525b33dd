import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { billedUsage } from '../agents/conversationReplay';
import { workerTaskAttempts } from '../contract/activityOptions';
import type { AgentResult, Agents, WorkerAgentRequest, WorkOutcome } from '../agents/agentContracts';
import type { ConflictInfo, IntegrationResult, TaskWorktree, Workspace } from '../git/workspaceContract';
import { parseInput } from '../schemas/parseInput';
import { outsideClaims, registryClaims } from '../schemas/claimPaths';
import { clip, outsideClaimsNote, type OutsideClaims, type PlannedTask, type TaskResult } from '../schemas/task';
import { addUsage, usageBeyond, zeroUsage, type Usage } from '../schemas/usage';
import type { QueuedSubmission, WorkerTaskOutput } from '../schemas/queuedTask';
import type { TaskState } from '../schemas/mergeQueue';
import { WorkerTaskInput } from '../schemas/workerTask';
import type { TranscriptStore } from '../state/transcriptStore';
import { startAgentRun, transcriptRefFor } from './agentRunContext';
import { askQueueAbout, landThroughMergeQueue, type Parked } from './landThroughMergeQueue';

/**
 * One worker on one task, end to end: a fresh worktree, the worker agent grinding on the task, then
 * integration onto the target branch. A conflict goes back to the same agent in the same worktree.
 * A retried attempt resumes from its branch and its last checkpoint instead of starting over.
 * Through a merge queue, a task may be parked there (`parkInQueue`) and come back (`landing`) to fix
 * a bounce: then the worktree starts from its submission and the agent only fixes.
 */
export function createRunWorkerTask(agents: Agents, workspace: Workspace, transcripts?: TranscriptStore) {
  /** What every attempt of the task was billed for, from its transcript (zero without one), beyond what its planner counted already. */
  async function spentOn(transcriptRef: string, input: WorkerTaskInput): Promise<Usage> {
    if (!transcripts || !(await transcripts.exists(transcriptRef))) return zeroUsage;
    const billed = billedUsage((await transcripts.read(transcriptRef)).records);
    return input.landing ? usageBeyond(billed, input.landing.billedBefore) : billed;
  }

  return async function runWorkerTask(raw: WorkerTaskInput): Promise<WorkerTaskOutput> {
    const input = parseInput(WorkerTaskInput, raw, 'worker task');
    const { scope } = input;
    const { settings } = scope;
    const transcriptRef = transcriptRefFor(settings.projectId, scope.cycle, input.taskId);
    const base = { taskId: input.taskId, title: input.task.title, transcriptRef };
    const run = startAgentRun(transcriptRef, settings);
    let worktree: TaskWorktree | undefined;
    let parked = false;
    try {
      const landing = input.landing && (await whereParkedTaskStands(input));
      if (landing?.outcome.state === 'waiting' || landing?.outcome.state === 'testing') {
        return { ...base, status: 'queued', summary: 'Waiting in the merge queue.', usage: zeroUsage, submission: landing.submission };
      }
      if (landing?.outcome.state === 'landed') {
        return { ...base, status: 'done', summary: 'Landed by the merge queue.', commit: landing.outcome.commit, usage: zeroUsage };
      }
      if (landing?.outcome.state === 'no_changes') {
        return { ...base, status: 'done', summary: 'No changes were needed: the target already holds them.', usage: zeroUsage };
      }
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
          ...(input.landing ? { resumeFrom: input.landing.submission } : {}),
        },
        run.ctx.signal,
      );
      if (worktree.integratedCommit) {
        return {
          ...base,
          status: 'done',
          summary: 'Integrated by an earlier attempt of this task.',
          commit: worktree.integratedCommit,
          usage: await spentOn(transcriptRef, input),
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
      // A parked task coming back has done its work: it only fixes what the queue bounced.
      const worked = input.landing ? undefined : await agents.worker.work(request, run.ctx);
      let usage: Usage = worked?.usage ?? zeroUsage;
      const summary = worked?.result.summary ?? 'Fixed after the merge queue bounced it.';
      const outside = await changesOutsideClaims(worktree, input.task);
      const finish = (result: Omit<TaskResult, 'usage' | 'taskId' | 'title' | 'transcriptRef'>): TaskResult => ({
        ...base,
        ...result,
        ...(outside ? { outsideClaims: outside } : {}),
        summary: clip(result.summary, 4_000),
        usage,
        ...(worked ? { promptVersion: worked.promptVersion } : {}),
      });
      if (worked && (worked.result.outcome === 'blocked' || worked.stoppedBy)) {
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
      const integration: IntegrationResult | Parked =
        testCommand === undefined
          ? await worktree.integrate({ message: input.task.title, signal: run.ctx.signal, ...sandbox, resolveConflict, removeSecrets })
          : await landThroughMergeQueue(
              {
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
              },
              landing,
            );
      switch (integration.status) {
        case 'queued': {
          const { status: _done, ...task } = finish({ status: 'done', summary });
          parked = true;
          return { ...task, status: 'queued', submission: integration.submission };
        }
        case 'integrated':
          return finish({ status: 'done', summary, commit: integration.commit });
        case 'no_changes':
          return finish({ status: 'done', summary: `No changes were needed. ${summary}` });
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
        usage: await spentOn(transcriptRef, input),
      };
    } finally {
      run.stop();
      // On every path, failures included: disposing keeps unfinished work on the task branch and
      // frees the worktree, so a retry on this machine continues from it instead of finding it busy.
      const { log } = Context.current();
      const warn = (err: unknown): void => log.warn('Could not dispose of the task worktree', { taskId: input.taskId, error: String(err) });
      // A parked task's slot goes to the next task at once: removing a large checkout takes seconds.
      if (parked) worktree?.disposeSoon(warn);
      else await worktree?.dispose().catch(warn);
    }
  };
}

/** A parked task's submission and where it stands: the bounce its planner was told of, or the queue's answer now. */
async function whereParkedTaskStands(input: WorkerTaskInput): Promise<{ submission: QueuedSubmission; outcome: TaskState } | undefined> {
  const { landing } = input;
  const testCommand = input.scope.settings.testCommand;
  if (landing === undefined || testCommand === undefined) return undefined;
  return { submission: landing.submission, outcome: landing.bounce ?? (await askQueueAbout(input, testCommand, landing.submission)) };
}

/** Files the worker's change touched beyond the paths its task declared (none declared: nothing to compare). */
async function changesOutsideClaims(worktree: TaskWorktree, task: PlannedTask): Promise<OutsideClaims | undefined> {
  const files = task.files ?? [];
  if (files.length === 0) return undefined;
  const outside = outsideClaims(await worktree.changedFiles(), registryClaims(files, files.length));
  return outside.length === 0 ? undefined : outsideClaimsNote(outside, outside.length);
}
