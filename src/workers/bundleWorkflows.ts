import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

/** Build step: bundles the workflows once so production workers start fast and deterministically. */
async function main(): Promise<void> {
  const out = path.resolve(__dirname, '..', 'workflow-bundle.js');
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') });
  fs.writeFileSync(out, code);
  console.log(`Wrote workflow bundle (${(code.length / 1024).toFixed(0)} KiB) to ${path.relative(process.cwd(), out)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
