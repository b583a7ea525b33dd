import { listProjects, type WorkflowListing } from '../../client/listProjects';
import { cliConfig, withConnection, type CliIo, type GlobalOptions } from '../cliContext';
import { describeError } from '../describeError';
import { exitCodes } from '../exitCodes';

export interface ListOptions {
  running?: boolean;
  limit?: number;
  json?: boolean;
}

/** `list`: projects from the visibility store, newest first. */
export async function listCommand(options: ListOptions, globals: GlobalOptions, io: CliIo): Promise<number> {
  const config = cliConfig(globals, io);
  return withConnection(config, io, async ({ client, target }) => {
    let projects: WorkflowListing[];
    try {
      projects = await listProjects(client, { running: options.running, limit: options.limit ?? 50 });
    } catch (err) {
      throw describeError(err, target);
    }
    if (options.json) {
      io.stdout.write(`${JSON.stringify(projects, null, 2)}\n`);
    } else if (projects.length === 0) {
      io.stdout.write(
        `No ${options.running ? 'running ' : ''}projects on ${target.address} (namespace ${target.namespace}). Start one with \`longhaul run --goal "..." --repo <path|url>\`.\n`,
      );
    } else {
      io.stdout.write(`${renderTable(projects).join('\n')}\n`);
    }
    return exitCodes.ok;
  });
}

function renderTable(projects: readonly WorkflowListing[]): string[] {
  const rows = projects.map((p) => [
    p.workflowId,
    p.status.toLowerCase(),
    p.phase ?? '-',
    p.cycle === undefined ? '-' : String(p.cycle),
    p.startTime.toISOString().slice(0, 16).replace('T', ' '),
    p.closeTime ? p.closeTime.toISOString().slice(0, 16).replace('T', ' ') : '-',
    p.taskQueue,
  ]);
  const header = ['ID', 'STATUS', 'PHASE', 'CYCLE', 'STARTED (UTC)', 'CLOSED (UTC)', 'TASK QUEUE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const format = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [format(header), ...rows.map(format)];
}
