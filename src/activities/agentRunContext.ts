import { Context } from '@temporalio/activity';
import type { AgentCheckpoint, AgentRunContext } from '../agents/agentContracts';
import { TranscriptStore } from '../state/transcriptStore';

/**
 * Connects an agent run to its activity: checkpoints become heartbeat details (a retried attempt
 * resumes from the last one), and a ticker keeps heartbeating during long model calls so that
 * Temporal can tell a slow agent from a dead worker and can deliver cancellation.
 */
export function startAgentRun(transcriptRef: string): { ctx: AgentRunContext; stop(): void } {
  const activity = Context.current();
  const details = activity.info.heartbeatDetails as AgentCheckpoint | undefined;
  const resumeFrom = details && details.transcriptRef === transcriptRef ? details : undefined;
  let last: AgentCheckpoint | undefined = resumeFrom;
  const ticker = startHeartbeat(() => last);
  return {
    ctx: {
      signal: activity.cancellationSignal,
      resumeFrom,
      transcriptRef,
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
