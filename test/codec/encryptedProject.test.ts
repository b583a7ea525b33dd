import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { connectClient } from '../../src/client/connectClient';
import { getProject } from '../../src/client/projectHandle';
import { loadConfig } from '../../src/config/longhaulConfig';
import { startFakeModelServer, type FakeModelServer } from '../support/fakeModelServer';
import { createBareRepo, filesOnBranch } from '../support/gitFixtures';
import { testClient, uniqueName } from '../support/longhaulTestWorkers';
import { readTestServerInfo } from '../support/testServerInfo';
import { CliProcess, cliEnv, eventually, runCli, tempDir } from '../cli/cliHarness';
import { scriptedModel } from '../cli/scriptedModel';

const execFileAsync = promisify(execFile);
const info = readTestServerInfo();
const keys = `k2:${randomBytes(32).toString('base64')},k1:${randomBytes(32).toString('base64')}`;
const goal = 'Draft the confidential Nightingale merger memo';
const taskTitle = (plan: number, index: number): string => `Nightingale ledger section ${plan}.${index}`;
const taskInstructions = 'Write the note file.';

let fake: FakeModelServer;
let dir: string;
let repo: string;
let plain: { client: Client; close(): Promise<void> };
const processes: CliProcess[] = [];

beforeAll(async () => {
  expect(info.cliPath).toBeDefined(); // The Temporal CLI is part of the test setup.
  fake = await startFakeModelServer(scriptedModel({ taskTitle }));
  dir = tempDir('codec-e2e');
  repo = createBareRepo(dir);
  plain = await testClient();
});

afterAll(async () => {
  for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.kill('SIGKILL');
  await Promise.all(processes.map((p) => p.exited));
  await plain?.close();
  await fake?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function longhaulEnv(queue: string, payloadKeys: string): NodeJS.ProcessEnv {
  return cliEnv({
    TEMPORAL_ADDRESS: info.address,
    LONGHAUL_TASK_QUEUE: queue,
    LONGHAUL_STATE_DIR: path.join(dir, `state-${queue}`),
    LONGHAUL_WORKDIR: path.join(dir, `work-${queue}`),
    LONGHAUL_PAYLOAD_KEYS: payloadKeys,
    OPENAI_API_KEY: 'test-key',
    OPENAI_BASE_URL: fake.openaiBaseUrl,
  });
}

function start(args: string[], env: NodeJS.ProcessEnv): CliProcess {
  const cli = new CliProcess(args, env);
  processes.push(cli);
  return cli;
}

async function temporalCli(...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(info.cliPath!, [...args, '--address', info.address], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** The text and every base64 spelling of it (at each of the three byte alignments). */
function spellings(text: string): string[] {
  const shifted = [0, 1, 2].map((pad) => Buffer.from(`${'\0'.repeat(pad)}${text}`).toString('base64'));
  // Drop the characters that depend on the bytes before and after the text.
  return [text, ...shifted.map((b64, pad) => b64.slice(pad === 0 ? 0 : 4, -4))];
}

/** True when `haystack` holds `text` in plain or in base64 (as JSON output shows payload bytes). */
function mentions(haystack: string, text: string): boolean {
  return spellings(text).some((spelling) => haystack.includes(spelling));
}

/** Every history (all runs) on `queue`, as the server stores it, read without any codec. */
async function rawHistories(queue: string, atLeast: number): Promise<{ workflowId: string; bytes: string; json: string }[]> {
  const runs = await eventually(
    `${atLeast} workflows on ${queue}`,
    async () => {
      const found: { workflowId: string; runId: string }[] = [];
      for await (const execution of plain.client.workflow.list({ query: `TaskQueue = "${queue}"` })) found.push(execution);
      return found.length >= atLeast ? found : undefined;
    },
    30_000,
  );
  return Promise.all(
    runs.map(async ({ workflowId, runId }) => {
      const history = await plain.client.workflow.getHandle(workflowId, runId).fetchHistory();
      return {
        workflowId,
        bytes: Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1'),
        json: JSON.stringify(
          temporal.api.history.v1.History.toObject(history as temporal.api.history.v1.History, { bytes: String, longs: String }),
        ),
      };
    }),
  );
}

test('a project started with `temporal workflow start --codec-endpoint` runs to its end with no goal or task text in plain on the server', async () => {
  const queue = uniqueName('codec');
  const env = longhaulEnv(queue, keys);
  const codecServer = start(['codec-server', '--port', '0'], env);
  await codecServer.waitFor(/Codec server on http:\/\/\S+ for namespace/, 60_000);
  const endpoint = /Codec server on (http:\/\/\S+) for namespace/.exec(codecServer.stdout)![1];
  expect(codecServer.stdout).toContain('encrypts with key "k2", decrypts "k2", "k1"');
  expect(codecServer.stdout).not.toContain(keys.split(',')[0].split(':')[1]);

  const worker = start(['worker'], env);
  await worker.waitFor(/longhaul workers running/, 120_000);
  expect(`${worker.stdout}${worker.stderr}`).toMatch(/payloadEncryption.*key k2/);

  const projectId = `${queue}-project`;
  await temporalCli(
    'workflow',
    'start',
    '--codec-endpoint',
    endpoint,
    '--type',
    'projectWorkflow',
    '--task-queue',
    queue,
    '--workflow-id',
    projectId,
    '--input',
    JSON.stringify({ goal, repo, targetBranch: 'encrypted-notes', limits: { maxParallelWorkers: 2 } }),
  );

  const keyed = await connectClient(loadConfig({ cwd: dir, env: { LONGHAUL_PAYLOAD_KEYS: keys } }), { address: info.address });
  try {
    const result = await getProject(keyed, projectId).result();
    expect(result.outcome).toBe('done');
    expect(result.tasksDone).toBe(2);
    const status = await getProject(keyed, projectId).status();
    expect(status.phase).toBe('finished');
  } finally {
    await keyed.connection.close();
  }
  expect(filesOnBranch(repo, 'encrypted-notes').filter((f) => f.startsWith('notes/'))).toHaveLength(2);

  // Project, cycle and planner histories, read the way anyone with access to the server reads them.
  const histories = await rawHistories(queue, 3);
  expect(histories.map((h) => h.workflowId).sort()).toEqual(
    expect.arrayContaining([projectId, `${projectId}/cycle-1`, `${projectId}/cycle-1/planner`]),
  );
  for (const secret of [goal, taskTitle(1, 0), taskTitle(1, 1), taskInstructions, 'cycle 1 reviewed']) {
    for (const history of histories) {
      const found = mentions(history.bytes, secret) || mentions(history.json, secret);
      expect({ workflowId: history.workflowId, secret, found }).toEqual({ workflowId: history.workflowId, secret, found: false });
    }
  }
  expect(histories.every((h) => h.bytes.includes('binary/encrypted') && h.bytes.includes('k2'))).toBe(true);

  // Through the codec server, the Temporal CLI shows them again (its JSON output keeps payload bytes in base64).
  const shown = await temporalCli('workflow', 'show', '--workflow-id', projectId, '--codec-endpoint', endpoint, '--output', 'json');
  expect(mentions(shown, goal)).toBe(true);
  const plannerShown = await temporalCli(
    'workflow',
    'show',
    '--workflow-id',
    `${projectId}/cycle-1/planner`,
    '--codec-endpoint',
    `${endpoint}/{namespace}`,
    '--output',
    'json',
  );
  expect(mentions(plannerShown, taskTitle(1, 0))).toBe(true);
  expect(mentions(await temporalCli('workflow', 'show', '--workflow-id', projectId, '--output', 'json'), goal)).toBe(false);
  // The table view prints the decoded result as text; without the codec it is ciphertext.
  const table = await temporalCli('workflow', 'show', '--workflow-id', projectId, '--codec-endpoint', endpoint);
  expect(table).toMatch(/ResultEncoding\s+json\/plain/);
  expect(table).toContain('cycle 1 reviewed');
  expect(await temporalCli('workflow', 'show', '--workflow-id', projectId)).toMatch(/ResultEncoding\s+binary\/encrypted/);

  // Failure messages are encrypted too: a project that fails on bad input shows only "Encoded failure".
  const invalidId = `${queue}-invalid`;
  await temporalCli(
    'workflow',
    'start',
    '--codec-endpoint',
    endpoint,
    '--type',
    'projectWorkflow',
    '--task-queue',
    queue,
    '--workflow-id',
    invalidId,
    '--input',
    JSON.stringify({ goal, repo, limits: { maxParallelWorkers: 0 } }),
  );
  const keyedAgain = await connectClient(loadConfig({ cwd: dir, env: { LONGHAUL_PAYLOAD_KEYS: keys } }), { address: info.address });
  try {
    await expect(keyedAgain.workflow.getHandle(invalidId).result()).rejects.toMatchObject({
      cause: { message: expect.stringContaining('maxParallelWorkers') },
    });
  } finally {
    await keyedAgain.connection.close();
  }
  const failed = (await plain.client.workflow.getHandle(invalidId).fetchHistory()).events!.find(
    (e) => e.workflowExecutionFailedEventAttributes,
  )!;
  const failure = failed.workflowExecutionFailedEventAttributes!.failure!;
  expect(failure.message).toBe('Encoded failure');
  expect(Buffer.from(failure.encodedAttributes!.metadata!.encoding!).toString()).toBe('binary/encrypted');
  expect(JSON.stringify(failure)).not.toContain('maxParallelWorkers');

  codecServer.kill('SIGTERM');
  expect((await codecServer.exited).code).toBe(0);
  worker.kill('SIGTERM');
  expect((await worker.exited).code).toBe(0);

  // longhaul commands decrypt with the keys, and say clearly when theirs are wrong.
  const status = await runCli(['status', projectId], env);
  expect(status.code).toBe(0);
  expect(status.stdout).toContain(`Project ${projectId} ended: done`);
  const wrongKeys = await runCli(['status', projectId], longhaulEnv(queue, `k2:${randomBytes(32).toString('base64')}`));
  expect(wrongKeys.code).toBe(1);
  expect(wrongKeys.stderr).toMatch(
    /A payload encrypted with key "k2" cannot be decrypted: the key with that id in LONGHAUL_PAYLOAD_KEYS is not the one/,
  );
});

test('a worker whose key does not match fails the workflow task with a clear error, and the project waits for a right one', async () => {
  const queue = uniqueName('codec-wrong');
  const projectId = `${queue}-project`;
  const keyed = await connectClient(loadConfig({ cwd: dir, env: { LONGHAUL_PAYLOAD_KEYS: keys } }), { address: info.address });
  try {
    await keyed.workflow.start('projectWorkflow', {
      taskQueue: queue,
      workflowId: projectId,
      args: [{ goal, repo, targetBranch: 'wrong-key-notes' }],
    });
    // Same key id, other key bytes: the hardest case to tell apart, so the message must say it.
    const wrong = start(['worker', '--role', 'workflow'], longhaulEnv(queue, `k2:${randomBytes(32).toString('base64')}`));
    await wrong.waitFor(
      /payload encrypted with key "k2" cannot be decrypted: the key with that id in LONGHAUL_PAYLOAD_KEYS is not the one it was written with/,
      120_000,
    );
    // The history says why too, readable without any key (the message names key ids only).
    const taskFailure = await eventually('a failed workflow task', async () => {
      const history = await plain.client.workflow.getHandle(projectId).fetchHistory();
      return history.events!.find((e) => e.workflowTaskFailedEventAttributes)?.workflowTaskFailedEventAttributes?.failure ?? undefined;
    });
    expect(taskFailure.message).toMatch(/^A payload encrypted with key "k2" cannot be decrypted/);
    expect(taskFailure.applicationFailureInfo?.type).toBe('PayloadDecryptionFailed');
    expect((await keyed.workflow.getHandle(projectId).describe()).status.name).toBe('RUNNING');
    wrong.kill('SIGTERM');
    await wrong.exited;
  } finally {
    await keyed.workflow.getHandle(projectId).terminate('test over');
    await keyed.connection.close();
  }
});

test('`longhaul start` without --id names an encrypted project by time, not by its goal (workflow ids are never encrypted)', async () => {
  const queue = uniqueName('codec-id');
  const started = await runCli(['start', '--goal', goal, '--repo', repo], longhaulEnv(queue, keys));
  expect(started.code).toBe(0);
  const projectId = started.stdout.trim();
  expect(projectId).toMatch(/^project-\d{8}-\d{6}$/);
  const [history] = await rawHistories(queue, 1);
  expect(history.workflowId).toBe(projectId);
  expect(mentions(history.bytes, goal) || mentions(history.json, goal)).toBe(false);
  await plain.client.workflow.getHandle(projectId).terminate('test over');
});
