import { startProject } from '../../client/startProject';
import { cliConfig, withConnection, type CliIo, type GlobalOptions } from '../cliContext';
import { describeError } from '../describeError';
import { exitCodes } from '../exitCodes';
import { projectInput, type ProjectOptions } from '../projectOptions';
import { searchAttributesAvailable } from '../searchAttributeSupport';
import { workflowUiUrl } from '../temporalTarget';
import { defaultProjectId, requireProjectId } from './projectIdArgument';

/** `start`: starts a project and prints its id (alone on stdout, for scripts); workers run elsewhere. */
export async function startCommand(options: ProjectOptions, globals: GlobalOptions, io: CliIo): Promise<number> {
  const input = projectInput(options, io.cwd);
  const config = cliConfig(globals, io);
  const projectId = requireProjectId(options.id ?? defaultProjectId(input.goal, config));
  return withConnection(config, io, async ({ client, target }) => {
    try {
      await startProject(client, {
        projectId,
        input,
        taskQueue: config.temporal.taskQueue,
        searchAttributes: await searchAttributesAvailable(client, io),
      });
    } catch (err) {
      throw describeError(err, target);
    }
    io.stdout.write(`${projectId}\n`);
    const ui = workflowUiUrl(target, projectId);
    io.stderr.write(
      `Started project ${projectId} on task queue ${config.temporal.taskQueue} at ${target.address}. ` +
        `Workers for that queue do the work (\`longhaul worker\`). Follow it with \`longhaul watch ${projectId}\`${ui ? ` or ${ui}` : ''}.\n`,
    );
    return exitCodes.ok;
  });
}
