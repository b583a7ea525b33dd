import { Context } from '@temporalio/activity';
import type { AgentCheckpoint, AgentRunContext } from '../agents/agentContracts';
import { modelOutageSignal } from '../contract/messages/projectMessages';
import { defaultOutageBudgetMinutes, OutageGuard } from '../models/outageGuard';
import type { ModelOutageReport } from '../schemas/modelOutage';
import type { ProjectSettings } from '../schemas/projectSettings';
import { TranscriptStore } from '../state/transcriptStore';

/** What an agent activity heartbeats: its last checkpoint, and when an outage it is waiting out began. */
type HeartbeatDetails = Partial<AgentCheckpoint> & { outageSince?: number };

/**
 * Connects an agent run to its activity: checkpoints become heartbeat details (a retried attempt
 * resumes from the last one), and a ticker keeps heartbeating during long model calls and outage
 * waits so that Temporal can tell a slow agent from a dead worker and can deliver cancellation. The
 * run's model calls wait out provider outages; one that outlasts the project's outage budget pauses
 * the project until the provider answers again.
 */
export function startAgentRun(transcriptRef: string, settings: ProjectSettings): { ctx: AgentRunContext; stop(): void } {
  const activity = Context.current();
  const details = activity.info.heartbeatDetails as HeartbeatDetails | undefined;
  const resumeFrom =
    details && details.transcriptRef === transcriptRef && details.turn !== undefined ? (details as AgentCheckpoint) : undefined;
  let last: AgentCheckpoint | undefined = resumeFrom;
  const outage = new OutageGuard({
    budgetMs: (settings.limits.outageBudgetMinutes ?? defaultOutageBudgetMinutes) * 60_000,
    since: details?.outageSince,
    signal: activity.cancellationSignal,
    onWait: (failure, waitMs, outageMs) =>
      activity.log.warn(`${failure.message} Trying again in ${Math.ceil(waitMs / 1000)}s.`, {
        outageSeconds: Math.round(outageMs / 1000),
      }),
    onBudgetSpent: (failure, since) => report({ state: 'down', reason: failure.message, since: new Date(since).toISOString() }),
    onRecovered: (since) => report({ state: 'up', reason: 'the model provider answers again', since: new Date(since).toISOString() }),
  });
  async function report(message: ModelOutageReport): Promise<void> {
    try {
      await activity.client.workflow.getHandle(settings.projectId).signal(modelOutageSignal, message);
    } catch (err) {
      // The agent keeps waiting either way; the next outage or recovery tries again.
      activity.log.warn('Could not tell the project about the model outage', { state: message.state, error: String(err) });
    }
  }
  const ticker = startHeartbeat((): HeartbeatDetails | undefined =>
    outage.since === undefined ? last : { ...last, outageSince: outage.since },
  );
  return {
    ctx: {
      signal: activity.cancellationSignal,
      resumeFrom,
      transcriptRef,
      outage,
      heartbeat(checkpoint: AgentCheckpoint): void {
        last = checkpoint;
        ticker.beat();
      },
    },
    stop: ticker.stop,
  };
}

/**
 * Heartbeats the current activity every couple of seconds with `details()`, from now until `stop`.
 * Cheap locally (the worker throttles what it sends); it lets Temporal tell slow work (a clone, a long
 * model call) from a dead worker, and cancellation only arrives with a heartbeat's answer.
 */
export function startHeartbeat(details: () => unknown = () => undefined): { beat(): void; stop(): void } {
  const activity = Context.current();
  const beat = (): void => activity.heartbeat(details());
  const timeoutMs = activity.info.heartbeatTimeoutMs ?? 60_000;
  const ticker = setInterval(beat, Math.max(500, Math.min(2_000, Math.floor(timeoutMs / 3))));
  beat();
  return { beat, stop: () => clearInterval(ticker) };
}

/** Where an agent run's transcript lives, relative to longhaul's state folder. */
export function transcriptRefFor(projectId: string, cycle: number, name: string): string {
  return TranscriptStore.refFor({ projectId, cycle, agentId: name });
}
