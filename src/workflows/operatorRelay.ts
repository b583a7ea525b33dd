import { getExternalWorkflowHandle, log } from '@temporalio/workflow';
import { pauseSignal, resumeSignal, SteerInput, steerSignal } from '../contract/messages/operatorMessages';
import { parseSignal } from './parseSignal';

/** Steering instructions kept by each workflow; older ones have been acted on. */
const keptSteering = 20;

/** How a relayed signal is sent: fire and forget by default; the project tracks its sends. */
export type SignalSender = (send: Promise<void>, childId: string) => void;

const logFailure: SignalSender = (send, childId) => {
  send.catch((err: unknown) => log.warn('Could not relay an operator signal', { child: childId, error: String(err) }));
};

/**
 * The operator's pause, resume and steer as one workflow holds them, relayed to the children it runs
 * (project → cycle → root planner → sub-planners), so steering one level steers everything below it.
 * A child gets the state in its input when it starts; `catchUp` sends what changed while it started.
 */
export class OperatorRelay {
  paused: boolean;
  readonly steering: string[];

  constructor(
    initial: { paused: boolean; steering: readonly string[] },
    /** The children running now: only they are told. */
    private readonly children: () => readonly string[],
    private readonly sendSignal: SignalSender = logFailure,
  ) {
    this.paused = initial.paused;
    this.steering = [...initial.steering];
  }

  pause(): void {
    this.paused = true;
    this.relay((id) => getExternalWorkflowHandle(id).signal(pauseSignal));
  }

  resume(): void {
    this.paused = false;
    this.relay((id) => getExternalWorkflowHandle(id).signal(resumeSignal));
  }

  /** Records and relays a steer; false (and nothing changes) when the payload is malformed. */
  steer(raw: SteerInput): boolean {
    const steer = parseSignal(SteerInput, raw, 'steer signal');
    if (!steer) return false;
    this.steering.push(steer.instruction);
    if (this.steering.length > keptSteering) this.steering.splice(0, this.steering.length - keptSteering);
    this.relay((id) => getExternalWorkflowHandle(id).signal(steerSignal, steer));
    return true;
  }

  /** What a child starting now is given in its input. */
  snapshot(): { paused: boolean; steering: string[] } {
    return { paused: this.paused, steering: [...this.steering] };
  }

  /** Sends a just-started child what changed since `given` was put in its input. */
  catchUp(childId: string, given: { paused: boolean; steering: readonly string[] }): void {
    const child = getExternalWorkflowHandle(childId);
    for (const instruction of this.steering.slice(given.steering.length))
      this.sendSignal(child.signal(steerSignal, { instruction }), childId);
    if (this.paused !== given.paused) this.sendSignal(child.signal(this.paused ? pauseSignal : resumeSignal), childId);
  }

  private relay(send: (childId: string) => Promise<void>): void {
    for (const childId of this.children()) this.sendSignal(send(childId), childId);
  }
}
