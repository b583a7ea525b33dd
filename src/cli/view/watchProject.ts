import { WorkflowFailedError } from '@temporalio/client';
import type { ProjectExecution, ProjectHandle } from '../../client/projectHandle';
import { ProjectNotAnsweringError, ProjectNotFoundError, ProjectStartingError } from '../../client/projectErrors';
import type { ProjectResult, ProjectStatus } from '../../schemas/status';
import type { OutputStream } from '../outputStream';
import { changeLines } from './changeLines';
import { renderResult } from './renderResult';
import { renderStatus } from './renderStatus';
import { TerminalScreen } from './terminalScreen';

export interface WatchOptions {
  project: ProjectHandle;
  out: OutputStream;
  /** Redraw in place (a terminal) or print one line per change (a pipe or a log file). */
  tty: boolean;
  uiUrl?: string;
  /** Lines under the view (e.g. where in-process workers log). */
  footer?: string[];
  intervalMs?: number;
  /** Aborting detaches: the view ends, the project goes on. */
  signal?: AbortSignal;
}

export type WatchEnd =
  { kind: 'finished'; result: ProjectResult } | { kind: 'failed'; executionStatus: string; message: string } | { kind: 'detached' };

/**
 * The live view of a project until it ends or the caller detaches. State comes only from the project's
 * `status` query, polled about once a second; whether the run has closed comes from describing it (no
 * history is read until it has, and then only its result).
 */
export async function watchProject(options: WatchOptions): Promise<WatchEnd> {
  const { project, out } = options;
  const interval = options.intervalMs ?? 1_000;
  const screen = options.tty ? new TerminalScreen(out) : undefined;
  let last: ProjectStatus | undefined;
  let lastProblem: string | undefined;
  const show = (problem: string | undefined): void => {
    if (screen) {
      screen.draw(
        renderStatus(project.projectId, last, {
          uiUrl: options.uiUrl,
          problem,
          footer: options.footer,
          textWidth: (out.columns || 100) - 12,
        }),
      );
    } else if (problem && problem !== lastProblem) {
      out.write(`${new Date().toISOString().slice(11, 19)} ${problem}\n`);
    }
    lastProblem = problem;
  };

  if (!screen) {
    out.write(`Watching project ${project.projectId}${options.uiUrl ? ` — ${options.uiUrl}` : ''}\n`);
    for (const line of options.footer ?? []) out.write(`${line}\n`);
  }
  screen?.hideCursor();
  const detached = new Promise<WatchEnd>((resolve) => {
    if (options.signal?.aborted) resolve({ kind: 'detached' });
    options.signal?.addEventListener('abort', () => resolve({ kind: 'detached' }), { once: true });
  });
  try {
    // Detaching must not wait for a query in flight.
    const polling = poll();
    // Once detached nobody awaits the poll any more; until then the race below reports its failure.
    polling.catch(() => undefined);
    return await Promise.race([polling, detached]);
  } finally {
    screen?.showCursor();
  }

  async function poll(): Promise<WatchEnd> {
    while (!options.signal?.aborted) {
      let execution: ProjectExecution;
      try {
        execution = await project.describe();
      } catch (err) {
        if (err instanceof ProjectNotFoundError) throw err;
        show(`cannot reach Temporal: ${err instanceof Error ? err.message : String(err)}`);
        await sleep(interval, options.signal);
        continue;
      }
      if (!execution.running && execution.status !== 'CONTINUED_AS_NEW') return finish(execution.status);
      try {
        const status = await project.status({ timeoutMs: Math.max(3_000, interval * 5) });
        if (options.signal?.aborted) break;
        if (!screen) for (const line of changeLines(last, status)) out.write(`${line}\n`);
        last = status;
        show(undefined);
      } catch (err) {
        if (options.signal?.aborted) break;
        show(problemText(err));
      }
      await sleep(interval, options.signal);
    }
    return { kind: 'detached' };
  }

  async function finish(executionStatus: string): Promise<WatchEnd> {
    // One last look at the final state (a worker answers queries on closed runs too).
    try {
      last = await project.status({ timeoutMs: 3_000 });
      if (!screen) for (const line of changeLines(undefined, last)) out.write(`${line}\n`);
      show(undefined);
    } catch (err) {
      show(problemText(err));
    }
    if (executionStatus !== 'COMPLETED') {
      const message = await failureMessage(project, executionStatus);
      out.write(`Project ${project.projectId} ${executionStatus.toLowerCase()}: ${message}\n`);
      return { kind: 'failed', executionStatus, message };
    }
    const result = await project.result();
    for (const line of renderResult(project.projectId, result)) out.write(`${line}\n`);
    return { kind: 'finished', result };
  }
}

/** What the user should read when the status cannot be had right now. */
export function problemText(err: unknown): string {
  if (err instanceof ProjectStartingError) return 'starting: resolving settings and checking the models…';
  if (err instanceof ProjectNotAnsweringError) {
    return 'no answer from a workflow worker — are workers running for this task queue? (`longhaul worker`, or `longhaul run --id <id>`)';
  }
  if (!(err instanceof Error)) return `status unavailable: ${String(err)}`;
  const cause = err.cause instanceof Error && !err.message.includes(err.cause.message) ? `: ${err.cause.message}` : '';
  return `status unavailable: ${err.message}${cause}`;
}

async function failureMessage(project: ProjectHandle, executionStatus: string): Promise<string> {
  try {
    await project.result();
    return executionStatus.toLowerCase();
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      const cause = err.cause instanceof Error ? err.cause.message : undefined;
      return cause ? `${err.message}: ${cause}` : err.message;
    }
    return err instanceof Error ? err.message : String(err);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
