import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Git } from '../git/core/gitRunner';
import { shortHash } from '../git/core/names';
import { FileLock } from '../git/locks/fileLock';
import { copyTree, relocate } from './cheapCopy';
import type { EnvironmentStore, SetupScope } from './environmentStore';
import { checkoutManifestHash, commitManifestHash } from './manifestHash';
import { enablePerCheckoutConfig } from './perCheckoutConfig';
import { excludeOutputs, looseEntries, withoutNested } from './setupOutputs';
import { runSetup, type SetupRun } from './setupRun';

/** A worktree of the repository cache that is about to run code. */
export interface Checkout {
  dir: string;
  git: Git;
  /** The worktree's private git directory, where its environment record and exclusions live. */
  worktreeGitDir: string;
}

export interface CheckoutScope extends SetupScope {
  store: EnvironmentStore;
}

/**
 * How a checkout got its dependencies: already there, copied from the store (`ranSetup` when this
 * call prepared the store's copy first), or its own setup in place.
 */
export type CheckoutEnvironment =
  | { ok: true; manifestHash: string; how: 'ready' | 'copied' | 'setup'; ranSetup: boolean }
  | { ok: false; manifestHash: string; run: SetupRun };

/** What a checkout's setup left there and for which manifests; lives beside the worktree's index. */
const CheckoutRecord = z.object({ manifestHash: z.string().optional(), outputs: z.array(z.string()) });
type CheckoutRecord = z.infer<typeof CheckoutRecord>;

function recordFileOf(checkout: Checkout): string {
  return path.join(checkout.worktreeGitDir, 'longhaul-environment.json');
}

async function readRecord(checkout: Checkout): Promise<CheckoutRecord> {
  try {
    return CheckoutRecord.parse(JSON.parse(await fs.readFile(recordFileOf(checkout), 'utf8')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { outputs: [] };
    throw error;
  }
}

async function writeRecord(checkout: Checkout, record: CheckoutRecord): Promise<void> {
  await excludeOutputs(checkout.git, checkout.worktreeGitDir, record.outputs);
  await fs.writeFile(recordFileOf(checkout), JSON.stringify(record));
}

/**
 * Makes a checkout forget its environment, before its setup output is deleted: no record, no
 * exclusions. Its next `prepareCheckout` starts as in a fresh checkout.
 */
export async function forgetEnvironment(checkout: Checkout): Promise<void> {
  if (!existsSync(recordFileOf(checkout))) return;
  await excludeOutputs(checkout.git, checkout.worktreeGitDir, []);
  await fs.rm(recordFileOf(checkout), { force: true });
}

/**
 * Gives a checkout the dependencies its manifests call for, before anything runs code in it: nothing
 * to do when it has them already; else a copy from the store, which prepares it first (one setup on
 * a clean checkout of HEAD) when the manifests are committed but new (a task changed one: the next
 * checkout with them copies too); else, for manifests changed but not committed, the setup command
 * runs in this checkout. Whatever setup leaves is excluded from git in this checkout, so it is never
 * committed. Every place that runs code on a checkout calls this first.
 */
export async function prepareCheckout(checkout: Checkout, scope: CheckoutScope): Promise<CheckoutEnvironment> {
  const { store } = scope;
  await enablePerCheckoutConfig(store.cache);
  // Concurrent users of one checkout (readers of a shared view) must not set it up twice at once.
  const lock = new FileLock(path.join(store.cache.root, 'locks', `checkout-${shortHash(checkout.dir, 16)}.lock`), {
    timeoutMs: store.settings.setupTimeoutMs + 5 * 60_000,
  });
  return lock.withLock(async () => {
    const record = await readRecord(checkout);
    const manifestHash = await checkoutManifestHash(checkout.git, checkout.dir, scope.setupCommand);
    const complete = record.outputs.every((output) => existsSync(path.join(checkout.dir, output)));
    if (record.manifestHash === manifestHash && complete) return { ok: true, manifestHash, how: 'ready', ranSetup: false };

    let prepared = await store.lookup(manifestHash);
    let ranSetup = false;
    const head = (await checkout.git(['rev-parse', 'HEAD'])).stdout.trim();
    if (prepared === undefined && manifestHash === (await commitManifestHash(checkout.git, head, scope.setupCommand))) {
      const built = await store.prepare(head, scope);
      if (!built.ok) return { ok: false, manifestHash, run: built.run };
      prepared = built.entry;
      ranSetup = built.ranSetup;
    }
    if (prepared) {
      const mode = await store.copyMode();
      for (const output of prepared.outputs) {
        await copyTree(path.join(prepared.checkout, output), path.join(checkout.dir, output), mode);
      }
      await relocate(prepared.checkout, checkout.dir, prepared);
      await writeRecord(checkout, { manifestHash, outputs: withoutNested([...record.outputs, ...prepared.outputs]) });
      return { ok: true, manifestHash, how: 'copied', ranSetup };
    }

    // Setup rewrites installed files in place (an egg-info's PKG-INFO): through hardlinks that would
    // change the store's copy, so such a checkout starts its own setup from nothing.
    if ((await store.copyMode()) === 'hardlink') {
      for (const output of record.outputs) await fs.rm(path.join(checkout.dir, output), { recursive: true, force: true });
    }
    // Exclusions first, so what is already installed does not count as new output.
    await excludeOutputs(checkout.git, checkout.worktreeGitDir, record.outputs);
    const before = await looseEntries(checkout.git);
    const run = await runSetup(scope.setupCommand, checkout.dir, {
      timeoutMs: store.settings.setupTimeoutMs,
      maxOutputChars: store.settings.setupOutputChars,
      transcripts: store.settings.transcripts,
      transcriptRef: scope.transcriptRef,
      sandboxing: store.settings.sandboxes.for('setup', scope.sandbox),
      signal: scope.signal,
    });
    const created = [...(await looseEntries(checkout.git))].filter((entry) => !before.has(entry));
    // Even a failed setup's leftovers are excluded: a half-made `.venv/` must not be committed either.
    const outputs = withoutNested([...record.outputs, ...created]);
    await writeRecord(checkout, { manifestHash: run.passed ? manifestHash : undefined, outputs });
    if (!run.passed) return { ok: false, manifestHash, run };
    return { ok: true, manifestHash, how: 'setup', ranSetup: true };
  }, scope.signal);
}
