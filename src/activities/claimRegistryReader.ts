import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { projectClaimsQuery } from '../contract/messages/projectMessages';
import { ClaimSnapshot, type ClaimedTask } from '../schemas/claims';
import { parseInput } from '../schemas/parseInput';

const inFlight = new Map<string, Promise<ClaimedTask[] | undefined>>();

/**
 * The cycle's claim registry as the project keeps it, for planning steps. The steps of a large tree
 * start together, and a busy workflow's query buffer is small: steps of this process that ask while
 * a query is on its way share its answer. When the project cannot answer, the step plans without
 * the tree's claims (undefined): refusing an overlap while planning only saves a wait, the grant is
 * what keeps overlapping tasks apart.
 */
export function readClaimRegistry(projectWorkflowId: string): Promise<ClaimedTask[] | undefined> {
  const pending = inFlight.get(projectWorkflowId);
  if (pending) return pending;
  const answer = ask(Context.current().client, projectWorkflowId).finally(() => inFlight.delete(projectWorkflowId));
  inFlight.set(projectWorkflowId, answer);
  return answer;
}

async function ask(client: Client, projectWorkflowId: string): Promise<ClaimedTask[] | undefined> {
  try {
    const answer = await client.workflow.getHandle(projectWorkflowId).query(projectClaimsQuery);
    return parseInput(ClaimSnapshot, answer, 'claim registry').tasks;
  } catch (err) {
    Context.current().log.warn('The claim registry could not be read; planning without the claims of other areas', {
      project: projectWorkflowId,
      error: String(err),
    });
    return undefined;
  }
}
