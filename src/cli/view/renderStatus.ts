import { describeSandbox } from '../../sandbox/describeSandbox';
import { totalTokens } from '../../schemas/usage';
import { outageAction } from '../../schemas/modelOutage';
import type { ProjectStatus } from '../../schemas/status';
import { formatCount, formatTasks, formatUsd, oneLine } from './formatting';
import { mergeQueueLines } from './mergeQueueLines';
import { plannerTreeRows } from './plannerTree';

export interface RenderOptions {
  /** Web UI link to the project, when known. */
  uiUrl?: string;
  /** Why the latest status could not be read (shown instead of failing). */
  problem?: string;
  /** Extra lines at the bottom (e.g. where the workers of `run` log). */
  footer?: string[];
  /** Longest goal and verdict text, in characters. */
  textWidth?: number;
}

/** The live view's screen for one status snapshot, as lines (no colours, no cursor codes). */
export function renderStatus(projectId: string, status: ProjectStatus | undefined, options: RenderOptions = {}): string[] {
  const width = options.textWidth ?? 100;
  const lines: string[] = [];
  const label = (name: string, text: string): void => {
    lines.push(`${name.padEnd(9)} ${text}`);
  };
  if (!status) {
    lines.push(`longhaul  ${projectId}`);
    label('status', options.problem ?? 'waiting for the first status…');
  } else {
    const flags = [status.paused ? 'paused' : '', status.stopRequested ? 'stop requested' : ''].filter(Boolean);
    lines.push(`longhaul  ${projectId}  —  ${status.phase}${status.outcome ? ` (${status.outcome})` : ''}`);
    label('goal', oneLine(status.goal, width));
    label('cycle', `${status.cycle} of at most ${status.limits.maxCycles}${flags.length ? ` · ${flags.join(' · ')}` : ''}`);
    label(
      'tasks',
      `this cycle ${formatTasks(status.tasks)}  |  project ${status.totals.done} done · ${status.totals.failed} failed · ${status.totals.started} started of at most ${status.limits.maxTasks}`,
    );
    const tokens = totalTokens(status.usage);
    const tokenLimit = status.limits.maxTokens !== undefined ? ` of ${formatCount(status.limits.maxTokens)}` : '';
    const costLimit = status.limits.maxCostUsd !== undefined ? ` of ${formatUsd(status.limits.maxCostUsd)}` : '';
    label(
      'usage',
      `${formatCount(tokens)} tokens${tokenLimit} · ${formatUsd(status.usage.costUsd)}${costLimit} · ${status.usage.calls} model calls`,
    );
    const deadline = status.limits.deadline ? ` · deadline ${status.limits.deadline}` : '';
    label('limits', `${status.limits.maxParallelWorkers} parallel workers · planner depth ${status.limits.maxPlannerDepth}${deadline}`);
    if (status.sandbox) label('sandbox', describeSandbox(status.sandbox));
    if (status.limitReached) label('limit', `${status.limitReached}: no new work starts`);
    if (status.outage)
      label('outage', oneLine(`since ${status.outage.since}: ${status.outage.reason} — ${outageAction(status.outage)}`, width));
    if (status.lastVerdict) {
      const v = status.lastVerdict;
      const next = v.nextFocus ? ` → next: ${v.nextFocus}` : '';
      label('verdict', oneLine(`cycle ${v.cycle}: ${v.verdict} — ${v.reasons}${next}`, width));
    }
    if (status.pendingSteering.length > 0) {
      label(
        'steering',
        oneLine(
          `${status.pendingSteering.length} instruction(s), latest: ${status.pendingSteering[status.pendingSteering.length - 1]}`,
          width,
        ),
      );
    }
    if (status.headCommit) label('head', status.headCommit);
    if (status.mergeQueue) {
      const [first, ...rest] = mergeQueueLines(status.mergeQueue, width);
      label('queue', first);
      for (const line of rest) label('', line);
    }
    const rows = plannerTreeRows(status.planners);
    if (rows.length > 0) {
      lines.push('planners');
      const names = rows.map((row) => `${row.prefix}${oneLine(row.node.area, 40)}`);
      const nameWidth = Math.max(...names.map((n) => n.length));
      rows.forEach((row, index) => {
        const state = `${row.node.state}${row.node.round > 0 ? ` r${row.node.round}` : ''}`;
        lines.push(`  ${names[index].padEnd(nameWidth)}  ${state.padEnd(19)} ${formatTasks(row.node.tasks)}`);
      });
    }
    if (options.problem) label('status', `${options.problem} (showing the last answer)`);
  }
  if (options.uiUrl) label('web ui', options.uiUrl);
  for (const line of options.footer ?? []) lines.push(line);
  return lines;
}
