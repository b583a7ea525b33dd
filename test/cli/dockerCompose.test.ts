import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { longhaulSearchAttributeDefinitions } from '../../src/contract/searchAttributes';
import { repoRoot } from './cliHarness';

const execFileAsync = promisify(execFile);
const composeFile = path.join(repoRoot, 'docker-compose.temporal.yml');

interface ComposeService {
  image?: string;
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: unknown };
  command?: unknown;
  ports?: unknown[];
  volumes?: unknown[];
  environment?: Record<string, unknown>;
}

/** The first way of running Compose found here: `docker-compose`, else `docker compose`. */
async function composeCommand(): Promise<string[] | undefined> {
  for (const candidate of [['docker-compose'], ['docker', 'compose']]) {
    try {
      await execFileAsync(candidate[0], [...candidate.slice(1), 'version']);
      return candidate;
    } catch {
      continue; // Not installed (or no compose plugin): try the next.
    }
  }
  return undefined;
}

/** The file parsed by PyYAML, when Python has it. */
async function parseWithPython(): Promise<{ services: Record<string, ComposeService>; volumes?: Record<string, unknown> } | undefined> {
  try {
    await execFileAsync('python3', ['-c', 'import yaml']);
  } catch {
    return undefined;
  }
  const script = 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))';
  const { stdout } = await execFileAsync('python3', ['-c', script, composeFile]);
  return JSON.parse(stdout) as { services: Record<string, ComposeService> };
}

/**
 * docker-compose.temporal.yml is checked without a container engine: Compose itself validates it
 * (`config -q`), and its structure is checked from a YAML parse. CI installs docker-compose; without
 * it (and without PyYAML) the respective check says so, but at least one must run.
 */
test('docker-compose.temporal.yml is valid Compose with pinned official images, PostgreSQL, health checks and the search attributes', async () => {
  const text = fs.readFileSync(composeFile, 'utf8');
  let checks = 0;

  const compose = await composeCommand();
  if (compose) {
    const { stdout, stderr } = await execFileAsync(compose[0], [...compose.slice(1), '-f', composeFile, 'config', '-q']);
    expect(`${stdout}${stderr}`.trim()).toBe('');
    checks++;
  } else {
    console.log('No docker-compose or `docker compose` here: the Compose validation of docker-compose.temporal.yml was not run.');
  }

  const parsed = await parseWithPython();
  if (parsed) {
    const services = parsed.services;
    const images = Object.values(services).map((s) => s.image ?? '');
    for (const image of images) {
      expect(image).toMatch(/^(temporalio\/(server|admin-tools|ui)|postgres):\d+(\.\d+)+$/); // official and pinned
    }
    expect(images.filter((i) => i.startsWith('temporalio/server')).length).toBe(1);
    expect(services.postgresql.healthcheck?.test).toBeDefined();
    expect(services.postgresql.volumes?.length).toBeGreaterThan(0);
    expect(Object.keys(parsed.volumes ?? {})).toHaveLength(1);
    expect(services.temporal.healthcheck?.test).toBeDefined();
    expect(services.temporal.environment?.DB).toBe('postgres12');
    expect(services.temporal.depends_on).toEqual({ 'temporal-schema': { condition: 'service_completed_successfully' } });
    expect(services['temporal-setup'].depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
    expect(services['temporal-ui'].image).toMatch(/^temporalio\/ui:/);
    const setup = JSON.stringify(services['temporal-setup'].command);
    for (const definition of longhaulSearchAttributeDefinitions) {
      expect(setup).toContain(definition.replace('=', ':'));
    }
    expect(setup).toContain('temporal operator search-attribute create');
    expect(setup).toContain('--retention 720h');
    checks++;
  } else {
    console.log('PyYAML is not installed: the structural check of docker-compose.temporal.yml was not run.');
  }

  expect({ validatorsRun: checks }).not.toEqual({ validatorsRun: 0 });
  expect(text).not.toMatch(/:latest\b/);
});
