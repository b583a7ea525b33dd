import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../src/config/longhaulConfig';
import { costOf, defaultPriceTable } from '../../src/models/priceTable';
import { projectWorkflow } from '../../src/workflows/projectWorkflow';
import { createProductionDeps } from '../../src/workers/createProductionDeps';
import { WorkflowFailedError } from '@temporalio/client';
import { resumeSignal } from '../../src/contract/messages/operatorMessages';
import { projectStatusQuery } from '../../src/contract/messages/projectMessages';
import {
  startFakeModelServer,
  type FakeFault,
  type FakeModelServer,
  type FakeReply,
  type FakeRequest,
  type Responder,
} from '../support/fakeModelServer';
import { createRepo, git } from '../support/gitFixtures';
import { eventually } from '../support/gate';
import { historyStats } from '../support/historyStats';
import { uniqueName, withLonghaulWorkers } from '../support/longhaulTestWorkers';

const callUsage = { input: 1_200, output: 150, cached: 400 };

/**
 * Plays every role of a small project over the wire: the root planner splits off a "docs" area and
 * gives one task, the sub-planner gives another, each worker writes its file, the judge accepts.
 */
function projectResponder(): (req: FakeRequest) => FakeReply {
  const planRounds = new Map<string, number>();
  const reply = (name: string, args: unknown): FakeReply => ({ toolCalls: [{ name, arguments: args }], usage: callUsage });
  return (req) => {
    const kickoff = req.messages[0]?.text ?? '';
    if (req.toolNames.includes('submit_plan')) {
      const area = /area: (.*)/.exec(kickoff)?.[1]?.trim() ?? '?';
      const round = (planRounds.get(area) ?? 0) + 1;
      planRounds.set(area, round);
      if (round > 1) return reply('submit_plan', { summary: `${area} complete`, tasks: [], subplanners: [], done: true });
      if (area === 'docs') {
        return reply('submit_plan', {
          summary: 'docs',
          tasks: [{ title: 'Write the guide', instructions: 'Create docs/guide.md', files: ['docs/guide.md'] }],
          subplanners: [],
          done: false,
        });
      }
      return reply('submit_plan', {
        summary: 'split',
        tasks: [{ title: 'Add the greeting', instructions: 'Create hello.txt saying hello', files: ['hello.txt'] }],
        subplanners: [{ area: 'docs', goal: 'Document the greeting' }],
        done: false,
      });
    }
    if (req.toolNames.includes('finish_task')) {
      const wrote = req.messages.some((m) => m.role === 'tool' || (m.toolResults?.length ?? 0) > 0);
      if (wrote) return reply('finish_task', { summary: 'file written', outcome: 'done' });
      const file = kickoff.includes('Write the guide') ? 'docs/guide.md' : 'hello.txt';
      return reply('write_file', { path: file, content: `${file} written by the worker\n` });
    }
    return reply('submit_verdict', { verdict: 'done', reasons: 'hello.txt and docs/guide.md exist' });
  };
}

interface ProviderRun {
  taskQueue: string;
  repo: string;
  scratch: string;
  apiKey: string;
  server: FakeModelServer;
  deps: ReturnType<typeof createProductionDeps>;
}

/** Real agents, git workspace and provider client, configured the way a worker process does it. */
async function withProvider<T>(
  provider: 'openai' | 'anthropic',
  model: string,
  responder: Responder,
  fn: (run: ProviderRun) => Promise<T>,
): Promise<T> {
  const taskQueue = uniqueName(`e2e-${provider}`);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'longhaul-e2e-'));
  const repo = createRepo();
  const apiKey = `fixture-key-${provider}-${taskQueue}`;
  const server = await startFakeModelServer(responder);
  try {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...(provider === 'openai'
        ? { OPENAI_API_KEY: apiKey, OPENAI_BASE_URL: server.openaiBaseUrl }
        : { ANTHROPIC_API_KEY: apiKey, ANTHROPIC_BASE_URL: server.anthropicBaseUrl }),
      LONGHAUL_PLANNER_MODEL: model,
      LONGHAUL_WORKER_MODEL: model,
      LONGHAUL_JUDGE_MODEL: model,
      LONGHAUL_WORKDIR: path.join(scratch, 'work'),
      LONGHAUL_STATE_DIR: path.join(scratch, 'state'),
    };
    const deps = createProductionDeps(loadConfig({ cwd: scratch, env }), env);
    return await fn({ taskQueue, repo, scratch, apiKey, server, deps });
  } finally {
    await server.close();
  }
}

async function runThroughProvider(provider: 'openai' | 'anthropic', model: string): Promise<void> {
  await withProvider(provider, model, projectResponder(), ({ taskQueue, repo, scratch, apiKey, server, deps }) =>
    withLonghaulWorkers({ taskQueue, deps }, async (client) => {
      const result = await client.workflow.execute(projectWorkflow, {
        taskQueue,
        workflowId: taskQueue,
        args: [{ goal: 'Greet the user and document it', repo }],
      });
      expect(result).toMatchObject({ outcome: 'done', cycles: 1, tasksDone: 2, tasksFailed: 0 });

      // The repository ends with what the workers wrote, on the target branch.
      const target = `longhaul/${taskQueue}`;
      expect(git(repo, 'show', `${target}:hello.txt`)).toBe('hello.txt written by the worker');
      expect(git(repo, 'show', `${target}:docs/guide.md`)).toBe('docs/guide.md written by the worker');

      // Every call went over HTTP to the provider's wire format, and usage and cost add up exactly.
      const requests = server.requests;
      expect(requests.every((r) => r.api === provider)).toBe(true);
      expect(requests.length).toBe(2 + 2 + 2 * 2 + 1); // two plans per planner, two turns per worker, one verdict
      expect(result.usage.calls).toBe(requests.length);
      expect(result.usage.inputTokens).toBe(requests.length * callUsage.input);
      expect(result.usage.outputTokens).toBe(requests.length * callUsage.output);
      expect(result.usage.cachedInputTokens).toBe(requests.length * callUsage.cached);
      const perCall = costOf(defaultPriceTable, model, {
        inputTokens: callUsage.input,
        cachedInputTokens: callUsage.cached,
        outputTokens: callUsage.output,
      });
      expect(perCall.priced).toBe(true);
      expect(result.usage.costUsd).toBeCloseTo(perCall.costUsd * requests.length, 6);

      // Transcripts are on disk, not in history; no API key is anywhere in any history.
      expect(fs.readdirSync(path.join(scratch, 'state', 'transcripts', taskQueue, 'cycle-1')).length).toBeGreaterThanOrEqual(5);
      const histories = await historyStats(client, taskQueue);
      expect(histories.length).toBeGreaterThanOrEqual(4);
      for (const { workflowId, runId } of histories) {
        const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
        expect(JSON.stringify(history)).not.toContain(apiKey);
        expect(Buffer.from(JSON.stringify(history)).toString('base64')).not.toContain(Buffer.from(apiKey).toString('base64'));
      }
    }),
  );
}

test('a whole project runs end to end through the real OpenAI client', () => runThroughProvider('openai', 'openai:gpt-5.2'), 120_000);

test(
  'a whole project runs end to end through the real Anthropic client',
  () => runThroughProvider('anthropic', 'anthropic:claude-opus-4-5'),
  120_000,
);

test('rate limits, server errors and overload are waited out inside the call: no turn is paid twice, usage is what was billed', async () => {
  const normal = projectResponder();
  const faults: FakeFault[] = [{ fault: 'rate_limit', retryAfterSeconds: 1 }, { fault: 'server_error' }, { fault: 'overloaded' }];
  let served = 0;
  let workerFaults = 0;
  // The first planner call meets all three faults in turn, a worker's second turn two more, then the
  // run goes on normally.
  const responder: Responder = (req) => {
    if (req.toolNames.includes('submit_plan') && served < faults.length) return faults[served++];
    if (req.toolNames.includes('finish_task') && req.messages.length > 1 && workerFaults < 2) {
      workerFaults++;
      return { fault: 'server_error' };
    }
    return normal(req);
  };
  await withProvider('anthropic', 'anthropic:claude-opus-4-5', responder, ({ taskQueue, server, deps }) =>
    withLonghaulWorkers({ taskQueue, deps }, async (client) => {
      const result = await client.workflow.execute(projectWorkflow, {
        taskQueue,
        workflowId: taskQueue,
        args: [{ goal: 'Greet', repo: createRepo() }],
      });
      expect(result).toMatchObject({ outcome: 'done', tasksDone: 2, tasksFailed: 0 });
      expect(served).toBe(3);
      expect(workerFaults).toBe(2);
      // Exactly the calls of a run without faults were answered: the worker's first turn was not re-paid.
      expect(server.billed.length).toBe(9);
      expect(server.requests.length).toBe(9 + 3 + 2);
      // Failed calls cost nothing: usage counts the answered calls only.
      expect(result.usage.calls).toBe(server.billed.length);
      expect(result.usage.inputTokens).toBe(server.billed.length * callUsage.input);
    }),
  );
}, 120_000);

test('a provider down for longer than the outage budget pauses the project with the reason; it carries on after resume', async () => {
  const normal = projectResponder();
  let down = false;
  let workerCalls = 0;
  // The provider goes down at the workers' first call and stays down until the test brings it back.
  const responder: Responder = (req) => {
    if (req.toolNames.includes('finish_task') && workerCalls++ === 0) down = true;
    return down ? { fault: 'server_error' } : normal(req);
  };
  await withProvider('openai', 'openai:gpt-5.2', responder, ({ taskQueue, server, deps }) =>
    withLonghaulWorkers({ taskQueue, deps }, async (client) => {
      const handle = await client.workflow.start(projectWorkflow, {
        taskQueue,
        workflowId: taskQueue,
        args: [{ goal: 'Greet the user and document it', repo: createRepo(), limits: { outageBudgetMinutes: 0.05 } }],
      });
      await eventually(async () => (await handle.query(projectStatusQuery)).outage !== undefined, 60_000, 'project paused for the outage');
      const paused = await handle.query(projectStatusQuery);
      expect(paused.phase).toBe('paused');
      expect(paused.paused).toBe(true);
      expect(paused.outage?.reason).toContain('OpenAI failed to answer (500)');
      expect(paused.outage?.pausedByOutage).toBe(true);
      expect(paused.totals.failed).toBe(0);
      // The Web UI's current details say it too.
      const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
      expect(metadata.currentDetails).toContain('model outage');

      down = false;
      await handle.signal(resumeSignal);
      const result = await handle.result();
      expect(result).toMatchObject({ outcome: 'done', tasksDone: 2, tasksFailed: 0 });
      expect((await handle.query(projectStatusQuery)).outage).toBeUndefined();
      // Nothing was paid twice, and usage is exactly what the provider answered.
      expect(server.billed.length).toBe(9);
      expect(result.usage.calls).toBe(server.billed.length);
    }),
  );
}, 120_000);

test('a rejected API key fails the project at once with a message naming the variable', async () => {
  const responder: Responder = () => ({ fault: 'status', status: 401, message: 'invalid x-api-key' });
  await withProvider('openai', 'openai:gpt-5.2', responder, ({ taskQueue, server, deps }) =>
    withLonghaulWorkers({ taskQueue, deps }, async (client) => {
      const failure = await client.workflow
        .execute(projectWorkflow, { taskQueue, workflowId: taskQueue, args: [{ goal: 'Greet', repo: createRepo() }] })
        .catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      const cause = (failure as WorkflowFailedError).cause;
      expect(cause?.message).toContain('OPENAI_API_KEY');
      expect(cause?.message).toContain('401');
      expect(server.requests.length).toBe(1); // never retried
    }),
  );
}, 120_000);
