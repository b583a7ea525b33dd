import * as fs from 'node:fs';

/** What globalSetup tells the test files: where the shared dev server is, and the workflow bundle. */
export interface TestServerInfo {
  address: string;
  namespace: string;
  workflowBundlePath: string;
  cliPath?: string;
}

export const testServerInfoVariable = 'LONGHAUL_TEST_SERVER_INFO';

export function readTestServerInfo(): TestServerInfo {
  const file = process.env[testServerInfoVariable];
  if (!file) throw new Error(`${testServerInfoVariable} is not set: run the tests through jest (globalSetup starts the server).`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as TestServerInfo;
}
