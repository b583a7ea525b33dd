import { Context } from '@temporalio/activity';
import type { Workspace } from '../git/workspaceContract';
import { parseInput } from '../schemas/parseInput';
import { PrepareCycleInput, type PreparedCycle } from '../schemas/prepareCycle';
import { startHeartbeat } from './agentRunContext';

/**
 * Fetches the repository, pins the commit this cycle's planners and judge look at, and with a setup
 * command prepares the dependencies every checkout of the cycle gets (a failing setup fails here, once,
 * with its output, instead of in every task).
 */
export function createPrepareCycle(workspace: Workspace) {
  return async function prepareCycle(raw: PrepareCycleInput): Promise<PreparedCycle> {
    const input = parseInput(PrepareCycleInput, raw, 'prepare-cycle input');
    // A first clone of a large repository can take minutes: keep heartbeating through it.
    const heartbeat = startHeartbeat();
    try {
      return await workspace.prepareCycle(input, Context.current().cancellationSignal);
    } finally {
      heartbeat.stop();
    }
  };
}
