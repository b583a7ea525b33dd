import { runChaos } from '../support/chaosRun';
import { readTestServerInfo } from '../support/testServerInfo';

test('under 30% model faults, a killed worker and a restarted dev server, every task lands exactly once and usage is what was billed', async () => {
  const info = readTestServerInfo();
  if (!info.cliPath) throw new Error('this test restarts a dev server of its own: it needs the Temporal CLI');
  const outcome = await runChaos({
    tasks: 6,
    faultRate: 0.3,
    kills: 1,
    restarts: 1,
    parallel: 3,
    cliPath: info.cliPath,
    workflowBundlePath: info.workflowBundlePath,
  });
  expect(outcome.result).toMatchObject({ outcome: 'done', tasksDone: 6, tasksFailed: 0 });
  expect(outcome).toMatchObject({ landedOnce: 6, lost: 0, duplicated: 0 });
  // Faults cost no turn twice; only the turns cut by the kill may be paid again.
  expect(outcome.requests).toBeGreaterThan(outcome.billedCalls);
  expect(outcome.billedCalls).toBeLessThanOrEqual(1.5 * outcome.faultFreeCalls);
  // Every billed call is counted, failed attempts' included; only an answer that reached a process in
  // the instant it was killed can be missing (it never got to the transcript).
  expect(outcome.result.usage.calls).toBeLessThanOrEqual(outcome.billedCalls);
  expect(outcome.result.usage.calls).toBeGreaterThanOrEqual(outcome.billedCalls - outcome.answersCutByKills);
}, 240_000);
