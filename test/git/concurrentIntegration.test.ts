import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { GitWorkspace } from '../../src/git/gitWorkspace';
import type { IntegrationResult } from '../../src/git/workspaceContract';
import {
  cacheGitDir,
  createSourceRepo,
  git,
  removeDir,
  runPool,
  spareWorktreeList,
  taskTrailers,
  taskWorktreeList,
  tempDir,
} from '../support/gitFixtures';

const taskCount = 64;
const workerCount = 16;
const projectRoot = path.resolve(__dirname, '..', '..');

/** A separate worker process that opens, edits, integrates and disposes of the given tasks in turn. */
function workerProcess(input: { workdir: string; source: string; targetBranch: string; taskIds: string[] }): Promise<void> {
  const script = `
    const fs = require('node:fs');
    const path = require('node:path');
    const { GitWorkspace } = require(${JSON.stringify(path.join(projectRoot, 'src/git/gitWorkspace.ts'))});
    const input = JSON.parse(process.env.WORKER_INPUT);
    const workspace = new GitWorkspace({ workdir: input.workdir });
    (async () => {
      await Promise.all(input.taskIds.map(async (taskId) => {
        const task = await workspace.openTask({
          projectId: 'procs', repo: input.source, targetBranch: input.targetBranch, cycle: 1, taskId, title: taskId,
        });
        fs.writeFileSync(path.join(task.dir, taskId + '.txt'), taskId + '\\n');
        const result = await task.integrate({ message: 'Add ' + taskId, resolveConflict: async () => false });
        await task.dispose();
        if (result.status !== 'integrated') throw new Error(taskId + ' ended ' + result.status);
      }));
    })().catch((error) => { console.error(error); process.exit(2); });
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: projectRoot,
      env: { ...process.env, WORKER_INPUT: JSON.stringify(input), TS_NODE_PROJECT: path.join(projectRoot, 'tsconfig.json') },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker process exited with ${code}`))));
  });
}

describe('concurrent integration', () => {
  let root: string;

  beforeAll(() => {
    root = tempDir('concurrent');
  });

  afterAll(() => removeDir(root));

  it('lands 64 disjoint tasks from 16 parallel workers exactly once each, linearly, leaving no task worktree', async () => {
    const source = createSourceRepo(path.join(root, 'source'), 100);
    const workdir = path.join(root, 'work');
    const projectId = 'many';
    const targetBranch = `longhaul/${projectId}`;
    // One workspace per worker, as separate worker processes would have; they share the cache.
    const workers = Array.from({ length: workerCount }, () => new GitWorkspace({ workdir }));
    const prepared = await workers[0].prepareCycle({ projectId, repo: source, targetBranch, cycle: 1 });
    expect(prepared.baseBranch).toBe('main');
    expect(prepared.baseCommit).toBe(git(source, 'rev-parse', 'main'));

    const taskIds = Array.from({ length: taskCount }, (_, index) => `task-${index}`);
    const results = new Map<string, IntegrationResult>();
    let lane = 0;
    await runPool(taskIds, workerCount, async (taskId) => {
      const workspace = workers[lane++ % workerCount];
      const task = await workspace.openTask({ projectId, repo: source, targetBranch, cycle: 1, taskId, title: taskId });
      try {
        const index = Number(taskId.split('-')[1]);
        const file = path.join(task.dir, 'files', `f${String(index).padStart(4, '0')}.txt`);
        await fs.writeFile(file, `edited by ${taskId}\n`);
        await fs.mkdir(path.join(task.dir, `added-${index}`));
        await fs.writeFile(path.join(task.dir, `added-${index}`, `${taskId}.txt`), 'new\n');
        results.set(
          taskId,
          await task.integrate({
            message: `Edit file ${index}`,
            body: `Worker change for ${taskId}.`,
            resolveConflict: async () => {
              throw new Error('disjoint tasks must not conflict');
            },
          }),
        );
      } finally {
        await task.dispose();
      }
    });

    expect([...results.values()].filter((result) => result.status !== 'integrated')).toEqual([]);
    const trailers = taskTrailers(source, targetBranch);
    expect(trailers).toHaveLength(taskCount);
    expect(new Set(trailers)).toEqual(new Set(taskIds));
    // Linear: no merge commits between the base and the head, one commit per task.
    expect(git(source, 'rev-list', '--merges', '--count', `${prepared.baseCommit}..${targetBranch}`)).toBe('0');
    expect(git(source, 'rev-list', '--count', `${prepared.baseCommit}..${targetBranch}`)).toBe(String(taskCount));
    for (const index of [0, 42, taskCount - 1]) {
      expect(git(source, 'show', `${targetBranch}:files/f${String(index).padStart(4, '0')}.txt`)).toBe(`edited by task-${index}`);
      expect(git(source, 'show', `${targetBranch}:added-${index}/task-${index}.txt`)).toBe('new');
    }
    const head = git(source, 'log', '-1', '--format=%an <%ae>%n%B', targetBranch);
    expect(head).toMatch(/^longhaul worker <longhaul@localhost>\n/);
    expect(head).toMatch(/\n\nLonghaul-Task: task-\d+$/);
    // The user's branch is untouched and no worktree or task branch is left behind.
    expect(git(source, 'rev-parse', 'main')).toBe(prepared.baseCommit);
    expect(taskWorktreeList(cacheGitDir(workdir))).toEqual([]);
    // What is kept for the next tasks is at most the cap, detached and empty of anything untracked.
    const spares = spareWorktreeList(cacheGitDir(workdir));
    expect(spares.length).toBeGreaterThan(0);
    expect(spares.length).toBeLessThanOrEqual(workerCount);
    for (const spare of spares) {
      expect(spare.detached).toBe(true);
      expect(git(spare.path, 'status', '--porcelain', '--ignored', '--untracked-files=all')).toBe('');
    }
    expect(git(cacheGitDir(workdir), 'for-each-ref', 'refs/heads/')).toBe('');
    expect(await workers[3].targetHead({ projectId, repo: source, targetBranch })).toBe(git(source, 'rev-parse', targetBranch));
  }, 240_000);

  it('lets separate worker processes share one cache and integrate concurrently', async () => {
    const source = createSourceRepo(path.join(root, 'procs-source'), 20);
    const workdir = path.join(root, 'procs-work');
    const targetBranch = 'longhaul/procs';
    const workspace = new GitWorkspace({ workdir });
    await workspace.prepareCycle({ projectId: 'procs', repo: source, targetBranch, cycle: 1 });
    const lanes = [0, 1, 2].map((lane) => Array.from({ length: 5 }, (_, index) => `p${lane}-t${index}`));
    const inThisProcess = Array.from({ length: 5 }, (_, index) => `local-t${index}`);
    await Promise.all([
      ...lanes.map((taskIds) => workerProcess({ workdir, source, targetBranch, taskIds })),
      ...inThisProcess.map(async (taskId) => {
        const task = await workspace.openTask({ projectId: 'procs', repo: source, targetBranch, cycle: 1, taskId, title: taskId });
        await fs.writeFile(path.join(task.dir, `${taskId}.txt`), `${taskId}\n`);
        expect((await task.integrate({ message: `Add ${taskId}`, resolveConflict: async () => false })).status).toBe('integrated');
        await task.dispose();
      }),
    ]);
    const expected = [...lanes.flat(), ...inThisProcess];
    const trailers = taskTrailers(source, targetBranch);
    expect(trailers).toHaveLength(expected.length);
    expect(new Set(trailers)).toEqual(new Set(expected));
    expect(git(source, 'rev-list', '--merges', '--count', targetBranch)).toBe('0');
    expect(taskWorktreeList(cacheGitDir(workdir))).toEqual([]);
    expect(git(cacheGitDir(workdir), 'for-each-ref', 'refs/heads/')).toBe('');
  }, 180_000);
});
