/**
 * A project run the way a long run meets trouble: the real agents and OpenAI client against the fake
 * model server answering a share of calls with 429, overloaded or 500, worker processes killed with
 * SIGKILL, and the Temporal dev server (persistent) restarted, all in the middle of the work. Shared by
 * the chaos test (a few tasks) and `npm run chaos` (a hundred and more).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startDevServer, type DevServer } from '../../src/devServer/startDevServer';
import type { ProjectResult } from '../../src/schemas/status';
import { startFakeModelServer, type FakeFault, type FakeReply, type Responder } from './fakeModelServer';
import { freePortPair } from './freePorts';
import { createRepo, taskTrailers } from './gitFixtures';

export interface ChaosOptions {
  tasks: number;
  /** Share of model calls answered with a fault. */
  faultRate: number;
  /** Worker processes killed with SIGKILL (each replaced at once). */
  kills: number;
  /** Dev server restarts. */
  restarts: number;
  /** Worker tasks one process runs at once, and the project's parallel workers. */
  parallel: number;
  cliPath: string;
  workflowBundlePath: string;
  log?: (line: string) => void;
}

export interface ChaosOutcome {
  tasks: number;
  landedOnce: number;
  lost: number;
  duplicated: number;
  /** Calls the fake provider answered (and would bill). */
  billedCalls: number;
  /**
   * Answers sent in the two seconds before a SIGKILL: the killed process may have received one without
   * writing it to its transcript, so it is billed but cannot be counted.
   */
  answersCutByKills: number;
  /** Every request, faults included. */
  requests: number;
  /** What a run without faults or crashes calls: two planning steps per planner, two turns per task, one verdict. */
  faultFreeCalls: number;
  result: ProjectResult;
  ms: number;
}

const perArea = 25;

/** Two planning steps per planner, two turns per task, one verdict. */
function faultFreeCalls(tasks: number): number {
  const areas = tasks <= perArea ? 0 : Math.ceil(tasks / perArea);
  return 2 * (1 + areas) + 2 * tasks + 1;
}

const faults: FakeFault[] = [{ fault: 'rate_limit' }, { fault: 'overloaded' }, { fault: 'server_error' }];

/** A small deterministic generator, so a run's faults can be told apart from its crashes. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function chaosResponder(tasks: number, faultRate: number): Responder {
  const random = seeded(13);
  // A plan holds at most 30 tasks: a larger project is split into areas of `perArea` tasks.
  let faultIndex = 0;
  const reply = (name: string, args: unknown): FakeReply => ({ toolCalls: [{ name, arguments: args }] });
  const taskSpecs = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => ({
      title: `Write file ${from + i + 1}`,
      instructions: `Create chaos/file-${from + i + 1}.txt`,
      files: [`chaos/file-${from + i + 1}.txt`],
    }));
  return (req) => {
    if (random() < faultRate) return faults[faultIndex++ % faults.length] as FakeFault;
    const kickoff = req.messages[0]?.text ?? '';
    if (req.toolNames.includes('submit_plan')) {
      const area = /chunk-(\d+)/.exec(/area: (.*)/.exec(kickoff)?.[1] ?? '')?.[1];
      // A retried first step plans the same again; its kickoff may differ (the claims queued elsewhere by then).
      if (!/^# Planning step 1 —/m.test(kickoff))
        return reply('submit_plan', { summary: 'all written', tasks: [], subplanners: [], done: true });
      if (area !== undefined) {
        const start = Number(area) * perArea;
        return reply('submit_plan', {
          summary: 'files',
          tasks: taskSpecs(start, Math.min(tasks, start + perArea)),
          subplanners: [],
          done: false,
        });
      }
      if (tasks <= perArea)
        return reply('submit_plan', { summary: 'one file per task', tasks: taskSpecs(0, tasks), subplanners: [], done: false });
      const subplanners = Array.from({ length: Math.ceil(tasks / perArea) }, (_, k) => ({ area: `chunk-${k}`, goal: 'write these files' }));
      return reply('submit_plan', { summary: 'split into areas', tasks: [], subplanners, done: false });
    }
    if (req.toolNames.includes('finish_task')) {
      const wrote = req.messages.some((m) => m.role === 'tool' || (m.toolResults?.length ?? 0) > 0);
      if (wrote) return reply('finish_task', { summary: 'file written', outcome: 'done' });
      const file = /chaos\/file-\d+\.txt/.exec(kickoff)?.[0] ?? 'chaos/unknown.txt';
      return reply('write_file', { path: file, content: `${file}\n` });
    }
    return reply('submit_verdict', { verdict: 'done', reasons: 'every file is there' });
  };
}

export async function runChaos(options: ChaosOptions): Promise<ChaosOutcome> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'longhaul-chaos-'));
  const repo = createRepo();
  const port = await freePortPair();
  const serverOptions = {
    cliPath: options.cliPath,
    port,
    headless: true,
    dbFilename: path.join(scratch, 'temporal.db'),
    logFile: path.join(scratch, 'temporal.log'),
    startupTimeoutMs: 120_000,
  };
  let server: DevServer = await startDevServer(serverOptions);
  const fake = await startFakeModelServer(chaosResponder(options.tasks, options.faultRate));
  const taskQueue = `chaos-${process.pid}-${Date.now().toString(36)}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CHAOS_ADDRESS: server.address,
    CHAOS_TASK_QUEUE: taskQueue,
    CHAOS_BUNDLE: options.workflowBundlePath,
    CHAOS_WORKERS: String(options.parallel),
    OPENAI_API_KEY: 'fixture-key-chaos',
    OPENAI_BASE_URL: fake.openaiBaseUrl,
    LONGHAUL_PLANNER_MODEL: 'openai:gpt-5.2',
    LONGHAUL_WORKER_MODEL: 'openai:gpt-5.2',
    LONGHAUL_JUDGE_MODEL: 'openai:gpt-5.2',
    LONGHAUL_WORKDIR: path.join(scratch, 'work'),
    LONGHAUL_STATE_DIR: path.join(scratch, 'state'),
    // A killed worker's tasks move on within seconds.
    LONGHAUL_HEARTBEAT_TIMEOUT_SECONDS: '4',
  };
  const workers: ChildProcess[] = [];
  const startWorker = async (): Promise<ChildProcess> => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'chaosWorker.ts')], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    workers.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`chaos worker exited early (${code})`)));
    });
    return child;
  };
  let worker = await startWorker();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: 'default' });
  try {
    const handle = await client.workflow.start('projectWorkflow', {
      taskQueue,
      workflowId: taskQueue,
      args: [{ goal: 'Write the chaos files', repo, limits: { maxParallelWorkers: options.parallel, maxPlannerRounds: 2 } }],
    });
    const finishedTasks = (): number => fake.billed.filter((r) => r.toolNames.includes('finish_task') && r.messages.length > 1).length;
    // Kills and restarts take turns, spread over the run: each at its share of the tasks answered.
    const events: ('kill' | 'restart')[] = [];
    for (let i = 0; i < Math.max(options.kills, options.restarts); i++) {
      if (i < options.kills) events.push('kill');
      if (i < options.restarts) events.push('restart');
    }
    let answersCutByKills = 0;
    for (const [index, event] of events.entries()) {
      const threshold = Math.ceil(((index + 1) * options.tasks) / (events.length + 1));
      while (finishedTasks() < threshold) await new Promise((r) => setTimeout(r, 100));
      if (event === 'kill') {
        log(`killing the worker process (${finishedTasks()} of ${options.tasks} tasks answered)`);
        const killedAt = Date.now();
        worker.kill('SIGKILL');
        answersCutByKills += fake.billed.filter((r) => (r.answeredAt ?? 0) >= killedAt - 2_000).length;
        await new Promise((r) => worker.once('exit', r));
        worker = await startWorker();
      } else {
        log(`restarting the dev server (${finishedTasks()} of ${options.tasks} tasks answered)`);
        await server.stop();
        server = await startDevServer(serverOptions);
      }
    }
    let result: ProjectResult | undefined;
    while (!result) {
      try {
        result = (await handle.result()) as ProjectResult;
      } catch (err) {
        // The long poll may be cut by a restart; the project itself goes on.
        if (!String(err).match(/UNAVAILABLE|unavailable|ECONNREFUSED|Connection|deadline/i)) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const trailers = taskTrailers(repo, `longhaul/${taskQueue}`);
    const unique = new Set(trailers).size;
    return {
      tasks: options.tasks,
      landedOnce: unique,
      lost: options.tasks - unique,
      duplicated: trailers.length - unique,
      billedCalls: fake.billed.length,
      answersCutByKills,
      requests: fake.requests.length,
      faultFreeCalls: faultFreeCalls(options.tasks),
      result,
      ms: Date.now() - started,
    };
  } finally {
    for (const child of workers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.all(
      workers.map((child) =>
        child.exitCode === null && child.signalCode === null ? new Promise((r) => child.once('exit', r)) : undefined,
      ),
    );
    await connection.close();
    await fake.close();
    await server.stop();
  }
}
