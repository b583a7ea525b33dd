import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { findTemporalCli } from '../../src/devServer/findTemporalCli';
import { startDevServer, type DevServer } from '../../src/devServer/startDevServer';
import { longhaulCycleKey, longhaulPhaseKey, longhaulProjectKey, longhaulRoleKey } from '../../src/contract/searchAttributes';
import { testServerInfoVariable, type TestServerInfo } from './testServerInfo';

/**
 * Lowered from the server's 4,096 events so that tests of ordinary size exercise continue-as-new
 * (including in the middle of a cycle) the way a weeks-long run does.
 */
export const testSuggestContinueAsNewEvents = 500;

declare global {
  // Shared with globalTeardown, which runs in the same process.
  var longhaulTestServer: { server?: DevServer; env?: TestWorkflowEnvironment; dir: string } | undefined;
}

export default async function globalSetup(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'longhaul-test-'));
  const cliPath = findTemporalCli();
  const dynamicConfig = { 'limit.historyCount.suggestContinueAsNew': testSuggestContinueAsNewEvents };
  let address: string;
  if (cliPath) {
    const server = await startDevServer({
      cliPath,
      headless: true,
      dynamicConfig,
      logFile: path.join(dir, 'temporal.log'),
      startupTimeoutMs: 120_000,
    });
    globalThis.longhaulTestServer = { server, dir };
    address = server.address;
  } else {
    // No CLI installed: let the SDK download one.
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        searchAttributes: [longhaulProjectKey, longhaulRoleKey, longhaulCycleKey, longhaulPhaseKey],
        extraArgs: Object.entries(dynamicConfig).flatMap(([k, v]) => ['--dynamic-config-value', `${k}=${v}`]),
      },
    });
    globalThis.longhaulTestServer = { env, dir };
    address = env.address;
  }

  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), logger: quietLogger() });
  const workflowBundlePath = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(workflowBundlePath, bundle.code);

  const info: TestServerInfo = { address, namespace: 'default', workflowBundlePath, cliPath };
  const infoFile = path.join(dir, 'server.json');
  fs.writeFileSync(infoFile, JSON.stringify(info));
  process.env[testServerInfoVariable] = infoFile;
}

function quietLogger() {
  const noop = (): void => undefined;
  return { trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error, log: noop };
}
