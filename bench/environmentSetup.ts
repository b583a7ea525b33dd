/**
 * Per-checkout cost of environment setup on a Node project with dependencies: how long a task
 * worktree takes to open with the project's dependencies (copied from the cycle's prepared setup)
 * against a plain worktree, and what running the setup in every checkout would cost instead.
 *
 *   npx ts-node --transpile-only bench/environmentSetup.ts [--checkouts 8] [--packages 30] [--files 100]
 *
 * The dependencies are local packages (`--packages` of `--files` files each) packed into the
 * repository and installed with `npm ci --offline`, so the figures need no network.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GitWorkspace } from '../src/git/gitWorkspace';
import { runTestCommand } from '../src/git/integration/testCommand';
import { TranscriptStore } from '../src/state/transcriptStore';
import { createSandboxes } from '../src/sandbox/createSandboxes';
import { fixtureEnv } from './support/benchRepository';

interface BenchOptions {
  checkouts: number;
  packages: number;
  files: number;
}

function parseOptions(argv: readonly string[]): BenchOptions {
  const value = (name: string, fallback: number): number => {
    const index = argv.indexOf(`--${name}`);
    const parsed = index >= 0 ? Number(argv[index + 1]) : fallback;
    if (!Number.isInteger(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive integer`);
    return parsed;
  };
  return { checkouts: value('checkouts', 8), packages: value('packages', 30), files: value('files', 100) };
}

function run(cwd: string, command: string, ...args: string[]): string {
  return execFileSync(command, args, { cwd, env: fixtureEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

/** A project depending on `packages` local packages of `files` modules each, with its lock file. */
function createProject(root: string, options: BenchOptions): string {
  const repo = path.join(root, 'project');
  mkdirSync(path.join(repo, 'vendor'), { recursive: true });
  const devDependencies: Record<string, string> = {};
  for (let p = 0; p < options.packages; p++) {
    const name = `dep-${p}`;
    const dir = path.join(root, 'packages', name);
    for (let f = 0; f < options.files; f++) {
      const folder = path.join(dir, 'lib', `part${Math.floor(f / 20)}`);
      mkdirSync(folder, { recursive: true });
      writeFileSync(path.join(folder, `mod${f}.js`), `module.exports = ${JSON.stringify(`${name} ${f} `.repeat(40))};\n`);
    }
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', main: 'lib/part0/mod0.js' }));
    const packed = run(root, 'npm', 'pack', '--silent', dir).split('\n').pop() as string;
    renameSync(path.join(root, packed), path.join(repo, 'vendor', packed));
    devDependencies[name] = `file:vendor/${packed}`;
  }
  writeFileSync(
    path.join(repo, 'package.json'),
    JSON.stringify({ name: 'bench-project', version: '1.0.0', private: true, devDependencies }, null, 2),
  );
  writeFileSync(path.join(repo, '.gitignore'), 'node_modules/\n');
  run(repo, 'npm', 'install', '--offline', '--no-audit', '--no-fund', '--silent');
  rmSync(path.join(repo, 'node_modules'), { recursive: true, force: true });
  run(root, 'git', 'init', '-q', '-b', 'main', repo);
  run(repo, 'git', 'add', '-A');
  run(repo, 'git', '-c', 'commit.gpgSign=false', 'commit', '-q', '-m', 'project');
  return repo;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const root = mkdtempSync(path.join(os.tmpdir(), 'longhaul-bench-setup-'));
  try {
    const repo = createProject(root, options);
    const setupCommand = 'npm ci --offline --no-audit --no-fund --silent';
    const workspace = new GitWorkspace({
      workdir: path.join(root, 'work'),
      transcripts: new TranscriptStore({ stateDir: path.join(root, 'state') }),
    });
    const projectId = 'bench';
    const targetBranch = `longhaul/${projectId}`;
    // The cache clone is a one-off per machine: keep it out of every figure.
    await workspace.prepareCycle({ projectId, repo, targetBranch, cycle: 1 });
    let mark = Date.now();
    await workspace.prepareCycle({ projectId, repo, targetBranch, cycle: 1, setupCommand });
    const prepareMs = Date.now() - mark;

    const open = async (taskId: string, withSetup: boolean): Promise<number> => {
      const started = Date.now();
      const task = await workspace.openTask({
        projectId,
        repo,
        targetBranch,
        cycle: 1,
        taskId,
        title: taskId,
        setupCommand: withSetup ? setupCommand : undefined,
      });
      const elapsed = Date.now() - started;
      await task.dispose();
      return elapsed;
    };
    const plain: number[] = [];
    const copied: number[] = [];
    const inPlace: number[] = [];
    for (let index = 0; index < options.checkouts; index++) {
      plain.push(await open(`plain-${index}`, false));
      copied.push(await open(`copied-${index}`, true));
      // What every checkout paid if each ran its own setup.
      const task = await workspace.openTask({ projectId, repo, targetBranch, cycle: 1, taskId: `own-${index}`, title: 'own setup' });
      mark = Date.now();
      const setup = await runTestCommand(setupCommand, {
        cwd: task.dir,
        timeoutMs: 600_000,
        maxOutputChars: 2_000,
        sandboxing: createSandboxes().for('setup', undefined),
      });
      inPlace.push(Date.now() - mark);
      await task.dispose();
      if (!setup.passed) throw new Error(`setup failed in a worktree: ${setup.output}`);
    }
    const installed = Number(
      run(root, 'sh', '-c', `find '${path.join(root, 'work')}' -path '*environments*/node_modules/*' -type f | wc -l`),
    );
    console.log(`cpus: ${os.cpus().length}`);
    console.log(
      `project: ${options.packages} dependencies, ${installed} installed files; checkouts measured: ${options.checkouts} of each kind`,
    );
    console.log(`cycle preparation (setup once, npm ci): ${prepareMs} ms`);
    console.log(`mean per checkout (ms): plain worktree ${mean(plain).toFixed(0)}, with dependencies copied ${mean(copied).toFixed(0)}`);
    console.log(
      `per-checkout cost of setup: ${(mean(copied) - mean(plain)).toFixed(0)} ms copied, against ${mean(inPlace).toFixed(0)} ms for its own npm ci`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
