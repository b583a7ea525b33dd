import type { Workspace } from '../git/workspaceContract';
import { parseInput } from '../schemas/parseInput';
import { PrepareCycleInput, type PreparedCycle } from '../schemas/prepareCycle';
import { startHeartbeat } from './agentRunContext';

/** Fetches the repository and pins the commit this cycle's planners and judge look at. */
export function createPrepareCycle(workspace: Workspace) {
  return async function prepareCycle(raw: PrepareCycleInput): Promise<PreparedCycle> {
    const input = parseInput(PrepareCycleInput, raw, 'prepare-cycle input');
    // A first clone of a large repository can take minutes: keep heartbeating through it.
    const heartbeat = startHeartbeat();
    try {
      return await workspace.prepareCycle(input);
    } finally {
      heartbeat.stop();
    }
  };
}
