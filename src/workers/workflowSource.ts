import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkerOptions } from '@temporalio/worker';

/**
 * A built package loads the bundle written by `npm run build` (same SDK version, no bundling at
 * start-up); running from source bundles the current workflow code on start, so a stale build is
 * never picked up by mistake.
 */
export function workflowSource(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const runningFromSource = __filename.endsWith('.ts');
  const bundle = path.resolve(__dirname, '..', 'workflow-bundle.js');
  if (!runningFromSource && fs.existsSync(bundle)) return { workflowBundle: { codePath: bundle } };
  return { workflowsPath: require.resolve('../workflows') };
}
