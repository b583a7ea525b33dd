import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkerOptions } from '@temporalio/worker';

/**
 * The pre-built bundle's file name. Failure messages are turned into payloads inside the workflow
 * sandbox, so encrypting them needs a bundle built with the encoding failure converter: the build
 * writes one of each, and workers with payload keys load the encoding one.
 */
export function workflowBundleFile(encodedFailures: boolean): string {
  return encodedFailures ? 'workflow-bundle.encoded-failures.js' : 'workflow-bundle.js';
}

/**
 * A built package loads the bundle written by `npm run build` (same SDK version, no bundling at
 * start-up); running from source bundles the current workflow code on start (with the data
 * converter's failure converter), so a stale build is never picked up by mistake.
 */
export function workflowSource(encodedFailures: boolean): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const runningFromSource = __filename.endsWith('.ts');
  const bundle = path.resolve(__dirname, '..', workflowBundleFile(encodedFailures));
  if (!runningFromSource && fs.existsSync(bundle)) return { workflowBundle: { codePath: bundle } };
  return { workflowsPath: require.resolve('../workflows') };
}
