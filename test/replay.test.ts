import * as fs from 'node:fs';
import * as path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { readTestServerInfo } from './support/testServerInfo';

const historiesDir = path.join(__dirname, 'histories');

/** Every history recorded by `npm run record-history`, each folder indexed by workflow id. */
function recordedHistories(): { workflowId: string; history: ReturnType<typeof historyFromJSON> }[] {
  return fs.readdirSync(historiesDir).flatMap((folder) => {
    const index = JSON.parse(fs.readFileSync(path.join(historiesDir, folder, 'index.json'), 'utf8')) as {
      file: string;
      workflowId: string;
    }[];
    return index.map(({ file, workflowId }) => ({
      workflowId,
      history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(historiesDir, folder, file), 'utf8'))),
    }));
  });
}

test("every recorded history replays against today's workflow code", async () => {
  const histories = recordedHistories();
  expect(histories.length).toBeGreaterThan(0);
  const types = new Set(histories.map((h) => h.history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name));
  expect([...types].sort()).toEqual(['cycleWorkflow', 'mergeQueueWorkflow', 'plannerWorkflow', 'projectWorkflow']);
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: { codePath: readTestServerInfo().workflowBundlePath } },
    histories,
  )) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    replayed++;
  }
  expect(failures).toEqual([]);
  expect(replayed).toBe(histories.length);
});
