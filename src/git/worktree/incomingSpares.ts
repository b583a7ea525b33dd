/**
 * Worktrees this process is emptying for keeping, per cache: a task that opens while one is on its
 * way takes it instead of writing every file of the repository anew, which on a busy machine costs
 * several times longer than the emptying. Each worktree on its way goes to one waiting task.
 */
const incoming = new Map<string, Promise<void>[]>();

/** Longest a task waits for a worktree on its way before it makes its own. */
const maxWaitMs = 20_000;

/** Records that a kept worktree is on its way to the cache at `cacheRoot`; call the result once it is there (or is not coming). */
export function spareOnItsWay(cacheRoot: string): () => void {
  let arrived!: () => void;
  const arrival = new Promise<void>((resolve) => (arrived = resolve));
  const list = incoming.get(cacheRoot) ?? [];
  list.push(arrival);
  incoming.set(cacheRoot, list);
  void arrival.then(() => {
    const remaining = (incoming.get(cacheRoot) ?? []).filter((other) => other !== arrival);
    if (remaining.length > 0) incoming.set(cacheRoot, remaining);
    else incoming.delete(cacheRoot);
  });
  return arrived;
}

/** Waits for one kept worktree on its way, if any, which no other task then waits for. */
export async function awaitSpareOnItsWay(cacheRoot: string): Promise<void> {
  const next = incoming.get(cacheRoot)?.shift();
  if (next === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([next, new Promise<void>((resolve) => (timer = setTimeout(resolve, maxWaitMs)))]);
  } finally {
    clearTimeout(timer);
  }
}
