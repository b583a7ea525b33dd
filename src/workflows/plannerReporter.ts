import { ApplicationFailure, condition, getExternalWorkflowHandle, isCancellation } from '@temporalio/workflow';
import { plannerReportSignal } from '../contract/messages/projectMessages';
import { describeFailure } from './describeFailure';
import type { PlannerState } from './plannerState';

/** How long a report of nothing urgent may wait for more news (planners that take lined-up tasks). */
const reportDebounce = '1 second';

/**
 * Sends a planner's latest state to the project. Changes that happen while a signal is in flight are
 * coalesced into the next one, so the project's history grows with activity, not with polling. If
 * the project cannot be reached, no slot will ever come: the planner fails loudly instead of waiting.
 */
export class PlannerReporter {
  private reportedVersion = -1;
  private lastUrgent?: string;
  private failure: unknown;
  /** Settles once the final report is sent (or reporting failed). */
  readonly finished: Promise<void>;

  constructor(
    private readonly state: PlannerState,
    private readonly projectWorkflowId: string,
  ) {
    this.finished = this.loop().catch((err: unknown) => {
      this.failure = err;
      state.changed();
    });
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  throwIfFailed(): void {
    if (this.failure === undefined) return;
    // A report cut short by this planner's own cancellation is the cancellation, not a lost project.
    if (isCancellation(this.failure)) throw this.failure;
    throw ApplicationFailure.create({
      type: 'ProjectUnreachable',
      nonRetryable: true,
      message: `Planner could not report to project ${this.projectWorkflowId}: ${describeFailure(this.failure)}`,
    });
  }

  private async loop(): Promise<void> {
    const { state } = this;
    const project = getExternalWorkflowHandle(this.projectWorkflowId);
    for (;;) {
      await condition(() => state.version !== this.reportedVersion);
      if (state.slots.takesLineUps && this.lastUrgent === state.urgentReportKey()) {
        await condition(() => this.lastUrgent !== state.urgentReportKey(), reportDebounce);
      }
      this.lastUrgent = state.urgentReportKey();
      this.reportedVersion = state.version;
      const snapshot = state.report();
      await project.signal(plannerReportSignal, snapshot);
      if (snapshot.state === 'done') return;
    }
  }
}
