/** A latch a test opens to let blocked scripted workers finish; waiting honours cancellation. */
export class Gate {
  private opened = false;
  private waiters: (() => void)[] = [];
  waiting = 0;

  open(): void {
    this.opened = true;
    for (const wake of this.waiters.splice(0)) wake();
  }

  async pass(signal?: AbortSignal): Promise<void> {
    if (this.opened) return;
    this.waiting++;
    try {
      await new Promise<void>((resolve, reject) => {
        this.waiters.push(resolve);
        signal?.addEventListener('abort', () => reject(new Error('cancelled while waiting at the gate')), { once: true });
      });
    } finally {
      this.waiting--;
    }
  }
}

/** Polls until `check` holds (for state that lives in Temporal, read through queries). */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
