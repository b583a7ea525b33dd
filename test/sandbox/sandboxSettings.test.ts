import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createResolveProjectSettings } from '../../src/activities/resolveProjectSettings';
import { projectSummary } from '../../src/client/projectSummary';
import { loadConfig } from '../../src/config/longhaulConfig';
import { createSandboxes } from '../../src/sandbox/createSandboxes';
import { defaultLimits } from '../../src/schemas/limits';
import { ProjectInput } from '../../src/schemas/projectInput';
import type { ProjectSettings } from '../../src/schemas/projectSettings';
import { defaultSandboxSettings } from '../../src/schemas/sandbox';
import { removeDir, tempDir } from '../support/gitFixtures';

describe('sandbox settings', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('sandbox-settings');
  });
  afterAll(() => removeDir(dir));

  it('default to confined commands without network and setup with network', () => {
    const config = loadConfig({ cwd: dir, env: {} });
    expect(config.sandbox).toMatchObject({ enabled: true, network: { commands: false, setup: true } });
    const sandboxes = createSandboxes({ settings: defaultSandboxSettings });
    expect(sandboxes.for('commands', undefined)).toMatchObject({ network: false, sandbox: { kind: 'bubblewrap' } });
    expect(sandboxes.for('setup', undefined)).toMatchObject({ network: true, sandbox: { kind: 'bubblewrap' } });
  });

  it('come from the config file, and LONGHAUL_SANDBOX=off turns the sandbox off explicitly', async () => {
    const file = path.join(dir, 'sandbox.config.json');
    await fs.writeFile(file, JSON.stringify({ sandbox: { network: { commands: true }, memoryMb: 2_048, maxProcesses: 512 } }));
    expect(loadConfig({ cwd: dir, env: {}, file }).sandbox).toEqual({
      enabled: true,
      network: { commands: true, setup: true },
      memoryMb: 2_048,
      maxProcesses: 512,
    });
    expect(loadConfig({ cwd: dir, env: { LONGHAUL_SANDBOX: 'off' }, file }).sandbox.enabled).toBe(false);
    expect(() => loadConfig({ cwd: dir, env: { LONGHAUL_SANDBOX: 'no' } })).toThrow(/LONGHAUL_SANDBOX must be "on" or "off"/);
  });

  it('are validated in the project input, naming the bad field', () => {
    const base = { goal: 'g', repo: '/r' };
    expect(ProjectInput.safeParse({ ...base, sandbox: { enabled: false, network: { setup: false } } }).success).toBe(true);
    const bad = ProjectInput.safeParse({ ...base, sandbox: { network: { commands: 'yes' } } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['sandbox', 'network', 'commands']);
    expect(ProjectInput.safeParse({ ...base, sandbox: { off: true } }).success).toBe(false);
  });

  it("resolve a project's choices over the worker's defaults", async () => {
    const resolve = createResolveProjectSettings({
      models: { planner: 'openai:a', worker: 'openai:a', judge: 'openai:a' },
      limits: defaultLimits,
      heartbeatTimeoutSeconds: 60,
      sandbox: { enabled: true, network: { commands: false, setup: false } },
    });
    // The settings ask the server which search attributes exist; this one has none registered.
    const stub = {
      options: { namespace: 'default' },
      connection: { operatorService: { listSearchAttributes: async () => ({ customAttributes: {} }) } },
      withAbortSignal: <R>(_signal: AbortSignal, fn: () => Promise<R>): Promise<R> => fn(),
    };
    const client = stub as unknown as Client;
    const env = new MockActivityEnvironment({}, { client });
    const settings: ProjectSettings = await env.run(resolve, {
      projectId: 'p',
      input: { goal: 'g', repo: '/r', sandbox: { network: { commands: true } } },
    });
    expect(settings.sandbox).toEqual({ enabled: true, network: { commands: true, setup: false } });
    const off: ProjectSettings = await env.run(resolve, { projectId: 'p', input: { goal: 'g', repo: '/r', sandbox: { enabled: false } } });
    expect(off.sandbox?.enabled).toBe(false);
    expect(createSandboxes().for('commands', off.sandbox).sandbox.kind).toBe('off');
  });
});

describe("a project's Web UI summary", () => {
  it('is its goal, flagged when the project turned the sandbox off', () => {
    expect(projectSummary({ goal: 'Add a flag', repo: '/r' })).toBe('Add a flag');
    expect(projectSummary({ goal: 'Add a flag', repo: '/r', sandbox: { enabled: false } })).toBe('[sandbox off] Add a flag');
  });
});
