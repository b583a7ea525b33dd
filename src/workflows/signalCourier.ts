/**
 * Signals a workflow has sent and that are not yet delivered. A run hands over to the next one, or
 * ends, only once they are, so nothing in flight is lost.
 */
export class SignalCourier {
  private readonly pending = new Set<Promise<void>>();

  track(send: Promise<void>, onFailure: (err: unknown) => void): void {
    const tracked = send.catch(onFailure).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  get idle(): boolean {
    return this.pending.size === 0;
  }
}
