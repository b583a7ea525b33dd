import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { getProject } from '../../src/client/projectHandle';
import { startFakeModelServer } from '../support/fakeModelServer';
import { testClient, uniqueName } from '../support/longhaulTestWorkers';
import { readTestServerInfo } from '../support/testServerInfo';
import { CliProcess, cliEnv, runCli, tempDir } from './cliHarness';
import { createBareRepo, filesOnBranch } from '../support/gitFixtures';
import { scriptedModel } from './scriptedModel';

const execFileAsync = promisify(execFile);

/**
 * One `longhaul worker` process serves three projects on its task queue: one started with the
 * Temporal CLI alone (`temporal workflow start --input '<json>'`), one started with `longhaul start`
 * and stopped, one cancelled. `watch` follows each to its end with the documented exit code.
 */
test('the worker command runs projects started by the Temporal CLI and by `longhaul start`; watch, stop and cancel end them', async () => {
  // Goals that say "[continue]" get a "continue" verdict, so those projects outlive their first cycle.
  const fake = await startFakeModelServer(
    scriptedModel({ verdict: (_cycle, prompt) => (prompt.includes('[continue]') ? 'continue' : 'done') }),
  );
  const { client, close } = await testClient();
  const info = readTestServerInfo();
  expect(info.cliPath).toBeDefined(); // The Temporal CLI is part of the test setup.
  const dir = tempDir('cli-worker');
  const repo = createBareRepo(dir);
  const queue = uniqueName('cli-worker');
  const env = cliEnv({
    TEMPORAL_ADDRESS: info.address,
    LONGHAUL_TASK_QUEUE: queue,
    LONGHAUL_STATE_DIR: path.join(dir, 'state'),
    LONGHAUL_WORKDIR: path.join(dir, 'work'),
    OPENAI_API_KEY: 'test-key',
    OPENAI_BASE_URL: fake.openaiBaseUrl,
  });
  const worker = new CliProcess(['worker'], env);
  try {
    await worker.waitFor(/longhaul workers running/, 90_000);

    const viaTemporal = `${queue}-temporal-cli`;
    await execFileAsync(info.cliPath!, [
      'workflow',
      'start',
      '--address',
      info.address,
      '--type',
      'projectWorkflow',
      '--task-queue',
      queue,
      '--workflow-id',
      viaTemporal,
      '--input',
      JSON.stringify({ goal: 'Write notes', repo, targetBranch: 'notes-from-cli', limits: { maxParallelWorkers: 2 } }),
    ]);

    const stopped = `${queue}-stopped`;
    const cancelled = `${queue}-cancelled`;
    const started = await Promise.all(
      [stopped, cancelled].map((id) => runCli(['start', '--id', id, '--goal', 'Write notes forever [continue]', '--repo', repo], env)),
    );
    for (const [index, id] of [stopped, cancelled].entries()) {
      expect(started[index].code).toBe(0);
      expect(started[index].stdout.trim()).toBe(id);
    }
    const [stopping, cancelling] = await Promise.all([runCli(['stop', stopped], env), runCli(['cancel', cancelled], env)]);
    expect(stopping.code).toBe(0);
    expect(cancelling.code).toBe(0);

    const [watchedDone, watchedStopped, watchedCancelled] = await Promise.all(
      [viaTemporal, stopped, cancelled].map((id) => runCli(['watch', id, '--interval', '500'], env, 90_000)),
    );
    expect(watchedDone.code).toBe(0);
    expect(watchedDone.stdout).toContain(`Project ${viaTemporal} ended: done`);
    expect(watchedDone.stdout).toMatch(/verdict on cycle 1: done/);
    expect(watchedStopped.code).toBe(3);
    expect(watchedStopped.stdout).toContain(`Project ${stopped} ended: stopped`);
    expect(watchedCancelled.code).toBe(4);
    expect(watchedCancelled.stdout).toContain(`Project ${cancelled} cancelled`);

    expect((await getProject(client, viaTemporal).result()).tasksDone).toBe(2);
    expect(filesOnBranch(repo, 'notes-from-cli').filter((f) => f.startsWith('notes/'))).toHaveLength(2);
    expect((await getProject(client, cancelled).describe()).status).toBe('CANCELLED');

    worker.kill('SIGTERM');
    const ended = await worker.exited;
    expect(ended.code).toBe(0);
    expect(ended.stderr).toContain('Workers stopped.');
  } finally {
    if (worker.child.exitCode === null && worker.child.signalCode === null) worker.kill('SIGKILL');
    await close();
    await fake.close();
    await worker.exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
