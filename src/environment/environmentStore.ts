import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { gitIn } from '../git/core/gitRunner';
import { FileLock } from '../git/locks/fileLock';
import type { RepoCache } from '../git/source/repoCache';
import type { Sandboxes } from '../sandbox/sandboxes';
import type { SandboxSettings } from '../schemas/sandbox';
import type { TranscriptStore } from '../state/transcriptStore';
import { filesNaming, linksInto, shareModeIn, type ShareMode } from './cheapCopy';
import { commitManifestHash } from './manifestHash';
import { enablePerCheckoutConfig } from './perCheckoutConfig';
import { excludeOutputs, looseEntries, withoutNested } from './setupOutputs';
import { runSetup, type SetupRun } from './setupRun';

const run = promisify(execFile);

async function mtimeOf(file: string): Promise<number | undefined> {
  try {
    return (await fs.stat(file)).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** A setup that ran once on a clean checkout of a commit, kept for every checkout with the same key. */
export const PreparedEnvironment = z.object({
  manifestHash: z.string(),
  commit: z.string(),
  setupCommand: z.string(),
  /** The checkout setup ran in; the store copies from it. */
  checkout: z.string(),
  /** What setup left in the checkout, relative: top-level files and folders (`node_modules/`, `.venv/`). */
  outputs: z.array(z.string()),
  /** Text files among the outputs that name `checkout`, rewritten in every copy. */
  files: z.array(z.string()),
  /** Symlinks among the outputs pointing into `checkout`, re-pointed in every copy. */
  links: z.array(z.string()),
  transcriptRef: z.string(),
  durationMs: z.number(),
});
export type PreparedEnvironment = z.infer<typeof PreparedEnvironment>;

export type StorePreparation = { ok: true; entry: PreparedEnvironment; ranSetup: boolean } | { ok: false; run: SetupRun };

export interface EnvironmentSettings {
  setupTimeoutMs: number;
  /** Setup output kept in results and failures (the transcript keeps all of it). */
  setupOutputChars: number;
  transcripts: TranscriptStore;
  /** Setup runs confined like every command on a checkout, with the network by default. */
  sandboxes: Sandboxes;
}

/** Which setup a store entry or checkout serves, and where its transcript goes. */
export interface SetupScope {
  setupCommand: string;
  /** `TranscriptStore.setupLogRefFor(...)` of the cycle or the checkout. */
  transcriptRef: string;
  /** The project's sandbox settings; the worker's defaults when absent. */
  sandbox?: SandboxSettings;
  signal?: AbortSignal;
}

/**
 * Prepared dependencies of one repository cache, by manifest hash: `environments/<hash>/` is a
 * checkout where setup ran, `environments/<hash>.json` says what it left there. A cycle prepares its
 * base commit's once; every checkout with the same manifests gets a copy instead of its own setup.
 */
export class EnvironmentStore {
  readonly root: string;
  private shareMode?: Promise<ShareMode>;

  constructor(
    readonly cache: RepoCache,
    readonly settings: EnvironmentSettings,
  ) {
    this.root = path.join(cache.root, 'environments');
  }

  /** How copies share the prepared files on this cache's file system (probed once). */
  async copyMode(): Promise<ShareMode> {
    this.shareMode ??= fs.mkdir(this.root, { recursive: true }).then(() => shareModeIn(this.root));
    return this.shareMode;
  }

  async lookup(manifestHash: string): Promise<PreparedEnvironment | undefined> {
    let text: string;
    try {
      text = await fs.readFile(this.entryFile(manifestHash), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const entry = PreparedEnvironment.parse(JSON.parse(text));
    // A checkout removed by hand makes the entry useless; it is built again.
    if (!existsSync(entry.checkout)) return undefined;
    // Last use, for idle expiry; not the entry's own mtime, which dates the setup.
    await fs.writeFile(this.usedFile(manifestHash), `${new Date().toISOString()}\n`);
    return entry;
  }

  /**
   * The prepared environment of `commit`, running setup on a fresh checkout of it unless one with the
   * same manifests exists. A failed setup leaves nothing behind but its transcript.
   */
  async prepare(commit: string, scope: SetupScope): Promise<StorePreparation> {
    const manifestHash = await commitManifestHash(this.cache.git, commit, scope.setupCommand);
    const known = await this.lookup(manifestHash);
    if (known && !(await this.changedSincePrepared(known))) return { ok: true, entry: known, ranSetup: false };
    await fs.mkdir(this.root, { recursive: true });
    // Setup may take many minutes; concurrent preparers of the same key wait for the first.
    const lock = new FileLock(path.join(this.cache.root, 'locks', `environment-${manifestHash}.lock`), {
      timeoutMs: this.settings.setupTimeoutMs + 5 * 60_000,
    });
    return lock.withLock(async () => {
      const raced = await this.lookup(manifestHash);
      if (raced && !(await this.changedSincePrepared(raced))) return { ok: true, entry: raced, ranSetup: false };
      await fs.rm(this.entryFile(manifestHash), { force: true });
      return this.build(manifestHash, commit, scope);
    }, scope.signal);
  }

  private async build(manifestHash: string, commit: string, scope: SetupScope): Promise<StorePreparation> {
    await enablePerCheckoutConfig(this.cache);
    const dir = path.join(this.root, manifestHash);
    await this.cache.withLock(async () => {
      await this.removeCheckoutLocked(dir);
      await this.cache.git(['worktree', 'add', '--detach', '--', dir, commit]);
    });
    const git = gitIn(dir, this.cache.settings.identity, this.cache.settings.gitIdleTimeoutMs);
    const before = await looseEntries(git);
    const run = await runSetup(scope.setupCommand, dir, {
      timeoutMs: this.settings.setupTimeoutMs,
      maxOutputChars: this.settings.setupOutputChars,
      transcripts: this.settings.transcripts,
      transcriptRef: scope.transcriptRef,
      sandboxing: this.settings.sandboxes.for('setup', scope.sandbox),
      signal: scope.signal,
    });
    if (!run.passed) {
      await this.cache.withLock(() => this.removeCheckoutLocked(dir));
      return { ok: false, run };
    }
    const outputs = withoutNested([...(await looseEntries(git))].filter((entry) => !before.has(entry)));
    await excludeOutputs(git, (await git(['rev-parse', '--absolute-git-dir'])).stdout.trim(), outputs);
    const entry: PreparedEnvironment = {
      manifestHash,
      commit,
      setupCommand: scope.setupCommand,
      checkout: dir,
      outputs,
      files: await filesNaming(dir, outputs),
      links: await linksInto(dir, outputs),
      transcriptRef: run.transcriptRef,
      durationMs: run.durationMs,
    };
    // Written last and renamed into place: an entry on disk always describes a finished setup.
    const staging = `${this.entryFile(manifestHash)}.${process.pid}.tmp`;
    await fs.writeFile(staging, JSON.stringify(entry, null, 2));
    await fs.rename(staging, this.entryFile(manifestHash));
    return { ok: true, entry, ranSetup: true };
  }

  /**
   * Whether a file of the prepared setup changed after it was recorded: with hardlinked copies, a
   * command that wrote into an installed file in place changed it here too. Checked once per cycle
   * (the store is then rebuilt), so such damage lasts one cycle at most.
   */
  private async changedSincePrepared(entry: PreparedEnvironment): Promise<boolean> {
    if (entry.outputs.length === 0) return false;
    const roots = entry.outputs.map((output) => path.join(entry.checkout, output.replace(/\/$/, '')));
    const { stdout } = await run(
      'find',
      [...roots, '-newer', this.entryFile(entry.manifestHash), '-not', '-type', 'd', '-print', '-quit'],
      {
        maxBuffer: 1024 * 1024,
      },
    );
    return stdout.trim().length > 0;
  }

  /**
   * Removes prepared setups unused for `idleMs`, and checkouts of setups that never finished (a crash
   * mid-setup) once no setup can still be running in them. Hold the cache lock.
   */
  async pruneLocked(idleMs: number): Promise<void> {
    if (!existsSync(this.root)) return;
    const names = await fs.readdir(this.root);
    const entries = new Set(names.filter((name) => name.endsWith('.json')).map((name) => name.slice(0, -'.json'.length)));
    for (const hash of entries) {
      const used = (await mtimeOf(this.usedFile(hash))) ?? (await mtimeOf(this.entryFile(hash))) ?? 0;
      if (Date.now() - used < idleMs) continue;
      // The entry goes first: from then on nobody starts a copy from this checkout.
      await fs.rm(this.entryFile(hash), { force: true });
      await fs.rm(this.usedFile(hash), { force: true });
      await this.removeCheckoutLocked(path.join(this.root, hash));
    }
    const unfinishedAfterMs = this.settings.setupTimeoutMs + 10 * 60_000;
    for (const name of names) {
      if (entries.has(name) || name.includes('.')) continue;
      const stamp = await mtimeOf(path.join(this.root, name));
      if (stamp !== undefined && Date.now() - stamp > unfinishedAfterMs) await this.removeCheckoutLocked(path.join(this.root, name));
    }
  }

  private usedFile(manifestHash: string): string {
    return path.join(this.root, `${manifestHash}.used`);
  }

  private entryFile(manifestHash: string): string {
    return path.join(this.root, `${manifestHash}.json`);
  }

  /** Hold the cache lock. */
  private async removeCheckoutLocked(dir: string): Promise<void> {
    await fs.rm(dir, { recursive: true, force: true });
    await this.cache.git(['worktree', 'prune']);
  }
}
