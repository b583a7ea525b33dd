/**
 * `npm run chaos`: a project of 100 tasks (CHAOS_TASKS) against the fake model answering 30% of calls
 * with 429, overloaded or 500, while worker processes are killed with SIGKILL and the dev server is
 * restarted. Prints tasks landed once, lost and duplicated, model calls against a fault-free run, and time.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { findTemporalCli } from '../src/devServer/findTemporalCli';
import { runChaos } from '../test/support/chaosRun';
import { quietLogger } from '../test/support/quietLogger';

async function main(): Promise<void> {
  const cliPath = findTemporalCli();
  if (!cliPath) throw new Error('The chaos run starts a Temporal dev server of its own: install the CLI (scripts/install-temporal.sh).');
  const tasks = Number(process.env.CHAOS_TASKS ?? 100);
  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows'), logger: quietLogger() });
  const bundlePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'longhaul-chaos-bundle-')), 'workflows.js');
  fs.writeFileSync(bundlePath, bundle.code);
  const outcome = await runChaos({
    tasks,
    faultRate: 0.3,
    kills: 3,
    restarts: 1,
    parallel: 16,
    cliPath,
    workflowBundlePath: bundlePath,
    log: (line) => console.log(`  ${line}`),
  });
  const ratio = outcome.billedCalls / outcome.faultFreeCalls;
  console.log(`outcome          ${outcome.result.outcome} (${outcome.result.tasksDone} done, ${outcome.result.tasksFailed} failed)`);
  console.log(
    `tasks            ${outcome.tasks}: ${outcome.landedOnce} landed once, ${outcome.lost} lost, ${outcome.duplicated} duplicated`,
  );
  console.log(
    `model calls      ${outcome.billedCalls} answered (${ratio.toFixed(2)}x the ${outcome.faultFreeCalls} of a fault-free run), ${outcome.requests} requests with faults`,
  );
  console.log(
    `usage            ${outcome.result.usage.calls} calls counted of ${outcome.billedCalls} answered (${outcome.answersCutByKills} answered within 2 s of a kill, which the killed process may not have recorded)`,
  );
  console.log(`time             ${(outcome.ms / 1000).toFixed(1)} s`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
