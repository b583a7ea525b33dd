/**
 * What the command sandbox costs per command: the same short commands run on a task worktree
 * unconfined and in bubblewrap, one after another. Prints the median and 90th percentile of each.
 *
 *   npx ts-node --transpile-only bench/commandSandbox.ts [--runs 40]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runShell } from '../src/agents/tools/shellRunner';
import { GitWorkspace } from '../src/git/gitWorkspace';
import { createSandboxes } from '../src/sandbox/createSandboxes';
import type { CommandSandboxing } from '../src/sandbox/sandboxes';
import { defaultSandboxSettings } from '../src/schemas/sandbox';

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 40;
if (!Number.isInteger(runs) || runs <= 0) throw new Error('--runs must be a positive integer');

const env: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

async function time(command: string, dir: string, sandboxing: CommandSandboxing): Promise<number[]> {
  const took: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const result = await runShell({ command, cwd: dir, timeoutMs: 60_000, maxOutputChars: 10_000, sandboxing });
    if (result.exitCode !== 0) throw new Error(`${command} failed in the bench: ${result.output}`);
    took.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return took.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'longhaul-bench-sandbox-'));
  try {
    const source = path.join(root, 'source');
    execFileSync('git', ['init', '-q', '-b', 'main', source], { env });
    execFileSync('git', ['commit', '-q', '--allow-empty', '-m', 'initial'], { cwd: source, env });
    const workdir = path.join(root, 'work');
    const sandboxes = createSandboxes({ hide: [workdir] });
    const workspace = new GitWorkspace({ workdir, sandboxes });
    await workspace.prepareCycle({ projectId: 'bench', repo: source, targetBranch: 'longhaul/bench', cycle: 1 });
    const task = await workspace.openTask({
      projectId: 'bench',
      repo: source,
      targetBranch: 'longhaul/bench',
      cycle: 1,
      taskId: 't',
      title: 't',
    });
    const confined = sandboxes.for('commands', undefined);
    const off = sandboxes.for('commands', { ...defaultSandboxSettings, enabled: false });
    for (const command of ['true', 'git status --short', 'node -e 0']) {
      const plain = await time(command, task.dir, off);
      const boxed = await time(command, task.dir, confined);
      console.log(
        `${command.padEnd(20)} unconfined median ${percentile(plain, 50).toFixed(1)} ms, p90 ${percentile(plain, 90).toFixed(1)} ms` +
          ` | bubblewrap median ${percentile(boxed, 50).toFixed(1)} ms, p90 ${percentile(boxed, 90).toFixed(1)} ms (${runs} runs, ${os.cpus().length} CPUs)`,
      );
    }
    await task.dispose();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
