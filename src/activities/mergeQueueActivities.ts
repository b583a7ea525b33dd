import { Context } from '@temporalio/activity';
import type { MergeQueueGit } from '../git/workspaceContract';
import { LandStackRequest, TestStackRequest, type LandStackResult, type TestStackResult } from '../schemas/mergeQueue';
import { parseInput } from '../schemas/parseInput';
import { startHeartbeat } from './agentRunContext';

/**
 * The merge queue workflow's two steps. Both heartbeat throughout (a test run may take minutes), so
 * a batch held by a dead worker moves to another one after the heartbeat timeout.
 */
export function createTestStack(git: MergeQueueGit) {
  return async function testStack(raw: TestStackRequest): Promise<TestStackResult> {
    const request = parseInput(TestStackRequest, raw, 'testStack request');
    const ticker = startHeartbeat();
    try {
      return await git.testStack(request, Context.current().cancellationSignal);
    } finally {
      ticker.stop();
    }
  };
}

export function createLandStack(git: MergeQueueGit) {
  return async function landStack(raw: LandStackRequest): Promise<LandStackResult> {
    const request = parseInput(LandStackRequest, raw, 'landStack request');
    const ticker = startHeartbeat();
    try {
      return await git.landStack(request, Context.current().cancellationSignal);
    } finally {
      ticker.stop();
    }
  };
}
