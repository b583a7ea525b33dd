import * as fs from 'node:fs';
import * as path from 'node:path';
import { Connection } from '@temporalio/client';
import { freePortPair } from '../support/freePorts';
import { readTestServerInfo } from '../support/testServerInfo';
import { CliProcess, cliEnv, runCli, tempDir } from './cliHarness';

async function serverFacts(address: string): Promise<{ retentionHours: number; attributes: string[] }> {
  const connection = await Connection.connect({ address });
  try {
    const described = await connection.workflowService.describeNamespace({ namespace: 'default' });
    const attributes = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    return {
      retentionHours: Number(described.config?.workflowExecutionRetentionTtl?.seconds?.toString()) / 3600,
      attributes: Object.keys(attributes.customAttributes ?? {}),
    };
  } finally {
    await connection.close();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false; // ESRCH: gone.
  }
}

const cliPath = readTestServerInfo().cliPath;

test('with no server configured, commands start one local dev server in the background, keep it, and reuse it', async () => {
  expect(cliPath).toBeDefined(); // The Temporal CLI is part of the test setup.
  const port = await freePortPair();
  const stateDir = tempDir('embedded');
  const env = cliEnv({ LONGHAUL_DEV_SERVER_PORT: String(port), LONGHAUL_STATE_DIR: stateDir, TEMPORAL_CLI_PATH: cliPath });
  let pid: number | undefined;
  try {
    const first = await runCli(['list'], env, 90_000);
    expect(first.stderr).toContain(`Starting a local Temporal dev server on 127.0.0.1:${port} (Web UI http://localhost:${port + 1000})`);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`No projects on 127.0.0.1:${port}`);
    pid = Number(fs.readFileSync(path.join(stateDir, 'temporal.pid'), 'utf8'));
    expect(alive(pid)).toBe(true); // It outlived the command that started it.
    expect(fs.existsSync(path.join(stateDir, 'temporal.sqlite'))).toBe(true);
    const facts = await serverFacts(`127.0.0.1:${port}`);
    expect(facts.retentionHours).toBe(720);
    expect(facts.attributes).toEqual(expect.arrayContaining(['LonghaulProject', 'LonghaulRole', 'LonghaulCycle', 'LonghaulPhase']));

    const second = await runCli(['status', 'nothing-here'], env);
    expect(second.code).toBe(1);
    expect(second.stderr).not.toContain('Starting a local Temporal dev server');
    expect(second.stderr).toContain(`No project with id "nothing-here" on 127.0.0.1:${port}`);
  } finally {
    // Its own process group (it was started detached): stop the wrapper and the server alike.
    if (pid !== undefined && alive(pid)) process.kill(-pid, 'SIGTERM');
    const deadline = Date.now() + 15_000;
    while (pid !== undefined && alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
});

test('dev-server runs the local server in the foreground with 30-day retention until Ctrl-C', async () => {
  const port = await freePortPair();
  const stateDir = tempDir('dev-server');
  const db = path.join(stateDir, 'custom.sqlite');
  const server = new CliProcess(
    ['dev-server', '--port', String(port), '--headless', '--db-filename', db],
    cliEnv({ LONGHAUL_STATE_DIR: stateDir, TEMPORAL_CLI_PATH: cliPath }),
  );
  try {
    await server.waitFor(/Ctrl-C stops it/, 90_000);
    expect(server.stdout).toContain(`Temporal dev server on 127.0.0.1:${port}`);
    expect((await serverFacts(`127.0.0.1:${port}`)).retentionHours).toBe(720);
    expect(fs.existsSync(db)).toBe(true);
    server.kill('SIGINT');
    const ended = await server.exited;
    expect(ended.code).toBe(0);
    expect(ended.stdout).toContain('Dev server stopped.');
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) server.kill('SIGKILL');
    await server.exited;
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
});
