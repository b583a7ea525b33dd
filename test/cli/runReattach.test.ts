import * as fs from 'node:fs';
import * as path from 'node:path';
import { getProject } from '../../src/client/projectHandle';
import type { ProjectStatus } from '../../src/schemas/status';
import { startFakeModelServer, type FakeModelServer } from '../support/fakeModelServer';
import { testClient, uniqueName } from '../support/longhaulTestWorkers';
import { readTestServerInfo } from '../support/testServerInfo';
import { CliProcess, cliEnv, eventually, runCli, tempDir } from './cliHarness';
import { createBareRepo, filesOnBranch } from '../support/gitFixtures';
import { scriptedModel } from './scriptedModel';

/**
 * `run` with workers in the CLI process: while tasks are in flight the operator commands act on the
 * live project; then the process is killed with SIGKILL, and `run --id` again attaches to the same
 * project (no second one) and finishes it, with every task landed once.
 */
test('run is killed mid-run, the operator commands work on the live project, and run --id reattaches and finishes', async () => {
  let releaseWork!: () => void;
  const workHeld = new Promise<void>((resolve) => (releaseWork = resolve));
  const model = scriptedModel({ tasksPerPlan: 2, beforeWork: () => workHeld });
  const fake: FakeModelServer = await startFakeModelServer(model);
  const { client, close } = await testClient();
  const dir = tempDir('cli-run');
  const repo = createBareRepo(dir);
  const projectId = uniqueName('cli-run');
  const env = cliEnv({
    TEMPORAL_ADDRESS: readTestServerInfo().address,
    LONGHAUL_TASK_QUEUE: projectId,
    LONGHAUL_STATE_DIR: path.join(dir, 'state'),
    LONGHAUL_WORKDIR: path.join(dir, 'work'),
    // Work held by the killed process moves on quickly instead of after the default minutes.
    LONGHAUL_HEARTBEAT_TIMEOUT_SECONDS: '2',
    OPENAI_API_KEY: 'test-key',
    OPENAI_BASE_URL: fake.openaiBaseUrl,
  });
  const project = getProject(client, projectId);
  try {
    const first = new CliProcess(['run', '--id', projectId, '--goal', 'Write two notes', '--repo', repo, '--max-cost', '20'], env);
    await first.waitFor(/Started project/);
    const running = await eventually('two tasks in flight', async () => {
      const status = await project.status({ timeoutMs: 2_000 });
      return status.tasks.running === 2 && model.workRequests() === 2 ? status : undefined;
    });
    expect(running.phase).toBe('running');
    expect(running.planners).toHaveLength(1);

    const [statusJson, steered, limits, listed] = await Promise.all([
      runCli(['status', projectId, '--json'], env),
      runCli(['steer', projectId, 'Keep notes short.'], env),
      runCli(['limits', projectId, '--max-cost', '5', '--max-parallel-workers', '3'], env),
      runCli(['list', '--running'], env),
    ]);
    expect(statusJson.code).toBe(0);
    const report = JSON.parse(statusJson.stdout) as { execution: { status: string }; status: ProjectStatus };
    expect(report.execution.status).toBe('RUNNING');
    expect(report.status.tasks.running).toBe(2);
    expect(report.status.goal).toBe('Write two notes');
    expect(steered.code).toBe(0);
    expect(limits.code).toBe(0);
    expect(limits.stdout).toMatch(/maxCostUsd\s+5\b/);
    expect(limits.stdout).toMatch(/maxParallelWorkers\s+3\b/);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(projectId);
    const afterCommands = await project.status();
    expect(afterCommands.pendingSteering).toContain('Keep notes short.');
    expect(afterCommands.limits.maxCostUsd).toBe(5);

    const paused = await runCli(['pause', projectId], env);
    expect(paused.code).toBe(0);
    await eventually('paused', async () => ((await project.status()).paused ? true : undefined));
    const resumed = await runCli(['resume', projectId], env);
    expect(resumed.code).toBe(0);
    await eventually('resumed', async () => ((await project.status()).paused ? undefined : true));

    // Kill the run mid-task: its two agents are waiting on the model.
    first.kill('SIGKILL');
    const killed = await first.exited;
    expect(killed.signal).toBe('SIGKILL');
    expect((await project.describe()).running).toBe(true);
    releaseWork();

    const second = await runCli(['run', '--id', projectId], env, 90_000);
    expect(second.stderr).toContain('already running; attaching');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`Project ${projectId} ended: done`);
    const result = await project.result();
    expect(result.outcome).toBe('done');
    expect(result.tasksDone).toBe(2);
    expect(
      filesOnBranch(repo, `longhaul/${projectId}`)
        .filter((f) => f.startsWith('notes/'))
        .sort(),
    ).toEqual(['notes/plan1-task0.md', 'notes/plan1-task1.md']);

    // A finished project is not started again: `run` shows how it ended.
    const again = await runCli(['run', '--id', projectId, '--goal', 'Write two notes', '--repo', repo], env);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('has already ended');
    expect(again.stdout).toContain('ended: done');
  } finally {
    releaseWork();
    await close();
    await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
