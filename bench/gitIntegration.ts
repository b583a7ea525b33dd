/**
 * Integration throughput of the git workspace: 16 concurrent workers each open a task worktree on a
 * 1,000-file repository, edit a file of their own, integrate onto the target branch and dispose of
 * the worktree. Prints tasks integrated per second and the machine's CPU count.
 *
 *   npx ts-node --transpile-only bench/gitIntegration.ts [--tasks 96] [--workers 16] [--files 1000]
 *
 * The workers share one process (each with its own GitWorkspace, as separate worker processes would
 * have) and one machine cache; every git operation is a real child process.
 */
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GitWorkspace } from '../src/git/gitWorkspace';
import { createRepository, git } from './support/benchRepository';

interface BenchOptions {
  tasks: number;
  workers: number;
  files: number;
  /** No new task starts after this long, so the run ends in bounded time on a slow machine. */
  budgetMs: number;
}

function parseOptions(argv: readonly string[]): BenchOptions {
  const value = (name: string, fallback: number): number => {
    const index = argv.indexOf(`--${name}`);
    const parsed = index >= 0 ? Number(argv[index + 1]) : fallback;
    if (!Number.isInteger(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive integer`);
    return parsed;
  };
  return { tasks: value('tasks', 96), workers: value('workers', 16), files: value('files', 1_000), budgetMs: 90_000 };
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const root = mkdtempSync(path.join(os.tmpdir(), 'longhaul-bench-git-'));
  try {
    const source = path.join(root, 'source');
    createRepository(source, options.files);
    const workdir = path.join(root, 'work');
    const projectId = 'bench';
    const targetBranch = `longhaul/${projectId}`;
    const workers = Array.from({ length: options.workers }, () => new GitWorkspace({ workdir }));
    // Cloning the cache is a one-off per machine: keep it out of the measurement.
    await workers[0].prepareCycle({ projectId, repo: source, targetBranch, cycle: 1 });

    const timings = { open: [] as number[], integrate: [] as number[], dispose: [] as number[] };
    let next = 0;
    let integrated = 0;
    const started = Date.now();
    await Promise.all(
      workers.map(async (workspace) => {
        while (next < options.tasks && Date.now() - started < options.budgetMs) {
          const index = next++;
          const taskId = `task-${index}`;
          let mark = Date.now();
          const task = await workspace.openTask({ projectId, repo: source, targetBranch, cycle: 1, taskId, title: taskId });
          timings.open.push(Date.now() - mark);
          try {
            const file = path.join(task.dir, `pkg${Math.floor((index % options.files) / 100)}`, `mod${index % options.files}.ts`);
            await fs.appendFile(file, `export const edited${index} = true;\n`);
            mark = Date.now();
            const result = await task.integrate({
              message: `Edit module ${index}`,
              resolveConflict: async () => false,
            });
            timings.integrate.push(Date.now() - mark);
            if (result.status !== 'integrated') throw new Error(`${taskId} ended ${result.status}`);
            integrated++;
          } finally {
            mark = Date.now();
            await task.dispose();
            timings.dispose.push(Date.now() - mark);
          }
        }
      }),
    );
    const elapsedMs = Date.now() - started;

    const landed = git(source, 'rev-list', '--count', `main..${targetBranch}`);
    if (Number(landed) !== integrated) throw new Error(`${integrated} tasks integrated but ${landed} commits landed`);
    console.log(`cpus: ${os.cpus().length}`);
    console.log(`repository: ${options.files} files; workers: ${options.workers}; tasks integrated: ${integrated}`);
    console.log(
      `mean per task (ms): open ${mean(timings.open).toFixed(0)}, integrate ${mean(timings.integrate).toFixed(0)}, ` +
        `dispose ${mean(timings.dispose).toFixed(0)}`,
    );
    console.log(`elapsed: ${(elapsedMs / 1_000).toFixed(1)} s`);
    console.log(`tasks integrated per second: ${((integrated * 1_000) / elapsedMs).toFixed(2)}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
