import { WorkflowFailedError } from '@temporalio/client';
import { getProject, type ProjectExecution } from '../../client/projectHandle';
import type { ProjectResult, ProjectStatus } from '../../schemas/status';
import { cliConfig, withConnection, type CliIo, type GlobalOptions } from '../cliContext';
import { describeError } from '../describeError';
import { exitCodes } from '../exitCodes';
import { workflowUiUrl } from '../temporalTarget';
import { renderResult } from '../view/renderResult';
import { renderStatus } from '../view/renderStatus';
import { problemText } from '../view/watchProject';
import { requireProjectId } from './projectIdArgument';

export interface StatusOptions {
  json?: boolean;
}

/** What `status --json` prints: one object, whatever state the project is in. */
export interface StatusReport {
  projectId: string;
  execution: { status: string; runId: string; taskQueue: string; startTime: string; closeTime?: string; summary?: string };
  /** The live status (absent when no worker answered). */
  status?: ProjectStatus;
  /** Why `status` is absent. */
  statusError?: string;
  /** How it ended, once it has completed. */
  result?: ProjectResult;
  /** Why it did not complete (failed, cancelled, terminated, timed out). */
  failure?: string;
}

export async function statusCommand(id: string, options: StatusOptions, globals: GlobalOptions, io: CliIo): Promise<number> {
  const projectId = requireProjectId(id);
  const config = cliConfig(globals, io);
  return withConnection(config, io, async ({ client, target }) => {
    const project = getProject(client, projectId);
    try {
      const execution = await project.describe();
      const report: StatusReport = { projectId, execution: executionReport(execution) };
      try {
        // A closed run answers only while some worker can replay it; then its result says enough.
        report.status = await project.status({ timeoutMs: execution.running ? 10_000 : 3_000 });
      } catch (err) {
        report.statusError = problemText(err);
      }
      if (!execution.running) {
        try {
          report.result = await project.result();
        } catch (err) {
          if (!(err instanceof WorkflowFailedError)) throw err;
          report.failure = err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message;
        }
      }
      if (options.json) {
        io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        const lines =
          report.status || execution.running
            ? renderStatus(projectId, report.status, {
                uiUrl: workflowUiUrl(target, projectId),
                problem: report.statusError,
                textWidth: 100,
              })
            : [
                `longhaul  ${projectId}`,
                ...(workflowUiUrl(target, projectId) ? [`${'web ui'.padEnd(9)} ${workflowUiUrl(target, projectId)}`] : []),
              ];
        lines.push(
          `${'run'.padEnd(9)} ${execution.status.toLowerCase()} since ${execution.startTime.toISOString()}${execution.closeTime ? `, closed ${execution.closeTime.toISOString()}` : ''} · task queue ${execution.taskQueue}`,
        );
        if (report.result) lines.push(...renderResult(projectId, report.result));
        if (report.failure) lines.push(`Project ${projectId} ${execution.status.toLowerCase()}: ${report.failure}`);
        io.stdout.write(`${lines.join('\n')}\n`);
      }
      return report.status || report.result || report.failure ? exitCodes.ok : exitCodes.failure;
    } catch (err) {
      throw describeError(err, target);
    }
  });
}

function executionReport(execution: ProjectExecution): StatusReport['execution'] {
  return {
    status: execution.status,
    runId: execution.runId,
    taskQueue: execution.taskQueue,
    startTime: execution.startTime.toISOString(),
    closeTime: execution.closeTime?.toISOString(),
    summary: execution.summary,
  };
}
