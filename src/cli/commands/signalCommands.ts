import { getProject, type ProjectHandle } from '../../client/projectHandle';
import { cliConfig, withConnection, type CliIo, type GlobalOptions } from '../cliContext';
import { UsageError } from '../cliError';
import { describeError } from '../describeError';
import { exitCodes } from '../exitCodes';
import { SteerInput } from '../../contract/messages/operatorMessages';
import { requireProjectId } from './projectIdArgument';

export type SignalAction = 'pause' | 'resume' | 'stop' | 'cancel';

const actions: Record<SignalAction, { send: (p: ProjectHandle) => Promise<void>; done: (id: string) => string }> = {
  pause: {
    send: (p) => p.pause(),
    done: (id) => `Pausing project ${id}: running tasks finish, no new task or cycle starts until \`longhaul resume ${id}\`.`,
  },
  resume: { send: (p) => p.resume(), done: (id) => `Resumed project ${id}.` },
  stop: {
    send: (p) => p.stop(),
    done: (id) => `Stopping project ${id}: it ends after the current cycle (outcome "stopped"); follow it with \`longhaul watch ${id}\`.`,
  },
  cancel: {
    send: (p) => p.cancel(),
    done: (id) => `Cancelling project ${id}: its running cycle is cancelled and unfinished tasks are abandoned.`,
  },
};

/** `pause`, `resume`, `stop` and `cancel`: one signal (or cancellation request) each. */
export async function signalCommand(action: SignalAction, id: string, globals: GlobalOptions, io: CliIo): Promise<number> {
  const projectId = requireProjectId(id);
  const config = cliConfig(globals, io);
  return withConnection(config, io, async ({ client, target }) => {
    try {
      await actions[action].send(getProject(client, projectId));
    } catch (err) {
      throw describeError(err, target);
    }
    io.stdout.write(`${actions[action].done(projectId)}\n`);
    return exitCodes.ok;
  });
}

/** `steer`: an instruction for the planners of the running cycle and every later one. */
export async function steerCommand(id: string, instruction: string, globals: GlobalOptions, io: CliIo): Promise<number> {
  const projectId = requireProjectId(id);
  const parsed = SteerInput.safeParse({ instruction });
  if (!parsed.success) throw new UsageError(`The instruction ${parsed.error.issues.map((i) => i.message).join('; ')} (1-4000 characters).`);
  const config = cliConfig(globals, io);
  return withConnection(config, io, async ({ client, target }) => {
    try {
      await getProject(client, projectId).steer(parsed.data.instruction);
    } catch (err) {
      throw describeError(err, target);
    }
    io.stdout.write(`Sent to project ${projectId}; the planners read it at their next planning step.\n`);
    return exitCodes.ok;
  });
}
