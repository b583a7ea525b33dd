import { spawn } from 'node:child_process';
import { mkdirSync, promises as fs, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileLock, LockTimeoutError } from '../../src/git/locks/fileLock';
import { removeDir, tempDir } from '../support/gitFixtures';

const projectRoot = path.resolve(__dirname, '..', '..');

/** A process that increments a counter file `rounds` times, read-sleep-write, under the lock. */
function contender(lockDir: string, counter: string, rounds: number): Promise<void> {
  const script = `
    const fs = require('node:fs');
    const { FileLock } = require(${JSON.stringify(path.join(projectRoot, 'src/git/locks/fileLock.ts'))});
    const [lockDir, counter, rounds] = process.argv.slice(1);
    const lock = new FileLock(lockDir, { timeoutMs: 60000 });
    (async () => {
      for (let round = 0; round < Number(rounds); round++) {
        await lock.withLock(async () => {
          const value = Number(fs.readFileSync(counter, 'utf8'));
          await new Promise((resolve) => setTimeout(resolve, 3));
          fs.writeFileSync(counter, String(value + 1));
        });
      }
    })().catch((error) => { console.error(error); process.exit(2); });
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script, lockDir, counter, String(rounds)], {
      cwd: projectRoot,
      env: { ...process.env, TS_NODE_PROJECT: path.join(projectRoot, 'tsconfig.json') },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`contender exited with ${code}`))));
  });
}

/** A pid that is certainly not running: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.on('exit', resolve));
  if (child.pid === undefined) throw new Error('no pid');
  return child.pid;
}

describe('the cross-process file lock', () => {
  let root: string;

  beforeEach(() => {
    root = tempDir('lock');
  });

  afterEach(() => removeDir(root));

  it('excludes other processes and concurrent holders in this process', async () => {
    const lockDir = path.join(root, 'counter.lock');
    const counter = path.join(root, 'counter');
    writeFileSync(counter, '0');
    const local = new FileLock(lockDir);
    const inProcess = Array.from({ length: 10 }, () =>
      local.withLock(async () => {
        const value = Number(readFileSync(counter, 'utf8'));
        await new Promise((resolve) => setTimeout(resolve, 2));
        writeFileSync(counter, String(value + 1));
      }),
    );
    await Promise.all([contender(lockDir, counter, 15), contender(lockDir, counter, 15), contender(lockDir, counter, 15), ...inProcess]);
    // Any overlap would have lost increments.
    expect(readFileSync(counter, 'utf8')).toBe('55');
    await expect(fs.stat(lockDir)).rejects.toMatchObject({ code: 'ENOENT' });
  }, 60_000);

  it('breaks a lock whose holder died', async () => {
    const lockDir = path.join(root, 'dead.lock');
    mkdirSync(lockDir);
    writeFileSync(
      path.join(lockDir, 'owner.json'),
      JSON.stringify({ pid: await deadPid(), host: os.hostname(), token: 'crashed', createdAt: Date.now() }),
    );
    const started = Date.now();
    const held = await new FileLock(lockDir, { timeoutMs: 5_000 }).acquire();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(JSON.parse(readFileSync(path.join(lockDir, 'owner.json'), 'utf8')).pid).toBe(process.pid);
    await held.release();
  });

  it('breaks a lock whose holder stopped heartbeating, and waits out a live one', async () => {
    const hung = path.join(root, 'hung.lock');
    mkdirSync(hung);
    const owner = path.join(hung, 'owner.json');
    // pid 1 is alive but is not ours to ask: only the stale heartbeat can free this lock.
    writeFileSync(owner, JSON.stringify({ pid: 1, host: os.hostname(), token: 'hung', createdAt: Date.now() }));
    const past = new Date(Date.now() - 60_000);
    utimesSync(owner, past, past);
    const held = await new FileLock(hung, { timeoutMs: 5_000, staleMs: 10_000 }).acquire();
    await held.release();

    const busy = new FileLock(path.join(root, 'busy.lock'));
    const holder = await busy.acquire();
    const waiter = new FileLock(path.join(root, 'busy.lock'), { timeoutMs: 300 });
    await expect(waiter.acquire()).rejects.toBeInstanceOf(LockTimeoutError);
    await holder.release();
    await (await waiter.acquire()).release();
  });
});
