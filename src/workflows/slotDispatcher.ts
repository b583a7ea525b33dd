import { getExternalWorkflowHandle, log } from '@temporalio/workflow';
import { grantSlotsSignal, type SlotGrant } from '../contract/messages/plannerMessages';
import type { ProjectState } from './projectState';
import type { SignalCourier } from './signalCourier';

/**
 * Delivers the project's worker slots: gives free slots to waiting planners as the ledger shares
 * them, or tells every planner that no more will come once a limit is reached.
 */
export class SlotDispatcher {
  /** While the run hands over, grants wait for the next run; otherwise a busy project never drains. */
  handingOver = false;

  constructor(
    private readonly state: ProjectState,
    private readonly courier: SignalCourier,
  ) {}

  distribute(): void {
    const { state } = this;
    if (!state.activeCycleId || this.handingOver) return;
    const closedBecause = state.limitReason();
    if (closedBecause) {
      for (const plannerId of state.ledger.takeUnnotified()) this.send(plannerId, { count: 0, closed: true, reason: closedBecause });
      return;
    }
    if (state.paused) return;
    const free = state.freeSlots();
    if (free <= 0) return;
    for (const { plannerId, count, taskIds } of state.ledger.grant(free))
      this.send(plannerId, { count, closed: false, ...(taskIds ? { taskIds } : {}) });
  }

  private send(plannerId: string, grant: SlotGrant): void {
    this.courier.track(getExternalWorkflowHandle(plannerId).signal(grantSlotsSignal, grant), (err) => {
      // The planner is gone (finished or cancelled): whatever it held is free again.
      log.warn('Slot grant not delivered', { plannerId, error: String(err) });
      this.state.ledger.forget(plannerId);
      this.distribute();
    });
  }
}
