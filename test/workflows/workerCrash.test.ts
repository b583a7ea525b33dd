import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { projectWorkflow } from '../../src/workflows/projectWorkflow';
import { createRepo, taskTrailers } from '../support/gitFixtures';
import { eventually } from '../support/gate';
import { testClient, uniqueName } from '../support/longhaulTestWorkers';

const tasks = 12;

function startWorkerProcess(env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', path.join(__dirname, '..', 'support', 'killableWorker.ts')],
    {
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  return child;
}

function logLines(log: string): string[] {
  return fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
}

test('a worker process killed with SIGKILL mid-run is replaced and the project finishes, every task landing once', async () => {
  const taskQueue = uniqueName('crash');
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'longhaul-crash-'));
  const repo = createRepo();
  const log = path.join(scratch, 'agents.log');
  const env = {
    ...process.env,
    TEST_TASK_QUEUE: taskQueue,
    TEST_WORKDIR: path.join(scratch, 'work'),
    TEST_LOG: log,
    TEST_TASKS: String(tasks),
  };
  const { client, close } = await testClient();
  let second: ChildProcess | undefined;
  try {
    const first = startWorkerProcess(env);
    await eventually(async () => logLines(log).some((l) => l.endsWith(' ready')), 60_000, 'first worker ready');
    const handle = await client.workflow.start(projectWorkflow, {
      taskQueue,
      workflowId: taskQueue,
      args: [{ goal: 'write twelve files', repo, limits: { maxParallelWorkers: 4 } }],
    });

    // Kill the whole worker process while some tasks are done and others are in flight.
    await eventually(
      async () => {
        const lines = logLines(log);
        const done = lines.filter((l) => l.includes('work-done')).length;
        const started = lines.filter((l) => l.includes('work-start')).length;
        return done >= 3 && started > done;
      },
      60_000,
      'tasks in flight',
    );
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const atKill = logLines(log);
    const inFlight = atKill
      .filter((l) => l.includes('work-start'))
      .map((l) => l.split(' ')[2])
      .filter((id) => !atKill.some((l) => l.endsWith(`work-done ${id}`)));
    expect(inFlight.length).toBeGreaterThan(0);

    second = startWorkerProcess(env);
    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'done', cycles: 1, tasksDone: tasks, tasksFailed: 0 });

    // Each task's commit is on the target branch exactly once.
    const trailers = taskTrailers(repo, `longhaul/${taskQueue}`);
    expect(trailers).toHaveLength(tasks);
    expect(new Set(trailers).size).toBe(tasks);
    // The tasks cut off by the kill were run again, by the new process, to completion.
    const secondPid = String(second.pid);
    for (const id of inFlight) {
      expect(logLines(log).some((l) => l.startsWith(secondPid) && l.endsWith(`work-done ${id}`))).toBe(true);
    }
    // The user's own checkout was never touched.
    expect(fs.readdirSync(repo).sort()).toEqual(['.git', 'README.md']);
  } finally {
    second?.kill('SIGTERM');
    if (second) await new Promise((r) => second?.once('exit', r));
    await close();
  }
}, 180_000);
