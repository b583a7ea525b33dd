import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { encodedFailureConverterPath } from '../codec/payloadDataConverter';
import { workflowBundleFile } from './workflowSource';

/**
 * Build step: bundles the workflows once so production workers start fast and deterministically; a
 * second bundle encodes failure messages for workers that encrypt payloads.
 */
async function main(): Promise<void> {
  for (const encodedFailures of [false, true]) {
    const out = path.resolve(__dirname, '..', workflowBundleFile(encodedFailures));
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('../workflows'),
      failureConverterPath: encodedFailures ? encodedFailureConverterPath : undefined,
    });
    fs.writeFileSync(out, code);
    console.log(`Wrote workflow bundle (${(code.length / 1024).toFixed(0)} KiB) to ${path.relative(process.cwd(), out)}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
