import { getProject } from '../../client/projectHandle';
import { cliConfig, withConnection, type CliIo, type GlobalOptions } from '../cliContext';
import { describeError } from '../describeError';
import { detachOnInterrupt } from '../interrupts';
import { workflowUiUrl } from '../temporalTarget';
import { watchProject } from '../view/watchProject';
import { requireProjectId } from './projectIdArgument';
import { exitCodeForWatch, isInteractive } from './watchOutcome';

export interface WatchOptions {
  interval?: number;
}

/** `watch`: the live view of a project until it ends; Ctrl-C detaches and leaves it running. */
export async function watchCommand(id: string, options: WatchOptions, globals: GlobalOptions, io: CliIo): Promise<number> {
  const projectId = requireProjectId(id);
  const config = cliConfig(globals, io);
  return withConnection(config, io, async ({ client, target }) => {
    const project = getProject(client, projectId);
    const interrupts = detachOnInterrupt(io.stderr, () =>
      io.stderr.write(`\nDetached. Project ${projectId} goes on in Temporal; reattach with \`longhaul watch ${projectId}\`.\n`),
    );
    try {
      await project.describe();
      const end = await watchProject({
        project,
        out: io.stdout,
        tty: isInteractive(io.stdout, io.env),
        uiUrl: workflowUiUrl(target, projectId),
        intervalMs: options.interval,
        signal: interrupts.signal,
      });
      return exitCodeForWatch(end);
    } catch (err) {
      throw describeError(err, target);
    } finally {
      interrupts.dispose();
    }
  });
}
