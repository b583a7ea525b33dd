/** `npm run bench`: runs every benchmark in its own process and prints their figures. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const benches = [
  'orchestration.ts',
  'gitIntegration.ts',
  'gatedIntegration.ts',
  'payloadCodec.ts',
  'environmentSetup.ts',
  'commandSandbox.ts',
  'judgeEvidence.ts',
].filter((file) => fs.existsSync(path.join(__dirname, file)));
let failed = 0;
for (const file of benches) {
  console.log(`\n== ${file}`);
  const run = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, file)], { stdio: 'inherit' });
  if (run.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
