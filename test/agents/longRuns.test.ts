import { promises as fs } from 'fs';
import * as path from 'path';
import { simpleGit } from 'simple-git';
import type { WorkerAgentRequest } from '../../src/agents/agentContracts';
import type { AgentDependencies } from '../../src/agents/agentDependencies';
import { ModelWorkerAgent } from '../../src/agents/workerAgent';
import { TranscriptStore } from '../../src/state/transcriptStore';
import { requestTokens, startFakeModelServer, type FakeModelServer, type FakeReply, type FakeRequest } from '../support/fakeModelServer';
import { ANTHROPIC_MODEL, call, fakeModels, lastToolResults, OPENAI_MODEL, testRun } from './agentHarness';
import { TempDirs, writeTree } from './tempDirs';

const temps = new TempDirs();
let server: FakeModelServer;
let store: TranscriptStore;
let dir: string;

beforeAll(async () => {
  server = await startFakeModelServer();
});
afterAll(async () => {
  await server.close();
  await temps.cleanup();
});

/** 2,000 lines of 40 characters: an 80 kB file that read_file pages through. */
const bigFile = Array.from({ length: 2_000 }, (_, i) => `line ${String(i + 1).padStart(4, '0')}: ${'x'.repeat(28)}`).join('\n') + '\n';

beforeEach(async () => {
  server.requests.length = 0;
  store = new TranscriptStore({ stateDir: await temps.make('longhaul-state-') });
  dir = await temps.make('longhaul-work-');
  await writeTree(dir, { 'data.txt': bigFile, 'README.md': '# Tool\n', 'check.js': "require('fs').accessSync('out.txt');\n" });
  // A clean working copy, so "no change" is real when the agent writes nothing.
  const git = simpleGit(dir);
  await git.init();
  await git.addConfig('user.email', 'test@example.com');
  await git.addConfig('user.name', 'Test');
  await git.add('.');
  await git.commit('base');
});

const testCommand = 'node check.js';
const ref = TranscriptStore.refFor({ projectId: 'proj', cycle: 1, agentId: 'p0.r1.1' });

function request(model: string, extra: Partial<WorkerAgentRequest> = {}): WorkerAgentRequest {
  return {
    projectId: 'proj',
    cycle: 1,
    taskId: 'p0.r1.1',
    goal: 'Summarise data.txt.',
    task: { title: 'Summarise data', instructions: 'Read data.txt and write out.txt.', files: ['out.txt'] },
    model,
    dir,
    testCommand,
    steering: [],
    ...extra,
  };
}

const finishDone = call('finish_task', { summary: 'Wrote out.txt; node check.js passes.', outcome: 'done' });
const landing = [call('write_file', { path: 'out.txt', content: 'summary\n' }), call('run_command', { command: testCommand }), finishDone];
const reads = (n: number): FakeReply[] => Array.from({ length: n }, (_, i) => call('read_file', { path: 'data.txt', offset: 1 + i * 150 }));

interface WindowedModel {
  refusals: number;
  summaries: number;
  largest: number;
}

/**
 * A model that refuses any request over `maxTokens` as too long (with the provider's own error), writes a
 * summary when asked without tools, and otherwise follows `steps`. Usage reports the request's real size.
 */
function windowedModel(maxTokens: number, steps: FakeReply[]): WindowedModel {
  const seen: WindowedModel = { refusals: 0, summaries: 0, largest: 0 };
  let next = 0;
  server.setResponder((req: FakeRequest) => {
    const size = requestTokens(req);
    if (size > maxTokens) {
      seen.refusals++;
      return { fault: 'status', status: 400, code: 'context_length_exceeded' };
    }
    seen.largest = Math.max(seen.largest, size);
    const usage = { input: size, output: 50 };
    if (req.toolNames.length === 0) {
      seen.summaries++;
      return { text: 'Progress: read data.txt in pages; it holds numbered lines of x. Open: write out.txt, run node check.js.', usage };
    }
    const step = steps[next++];
    if (!step) return { fault: 'status', status: 400, message: 'script exhausted' };
    return { ...step, usage };
  });
  return seen;
}

function worker(deps: Partial<AgentDependencies> = {}): ModelWorkerAgent {
  return new ModelWorkerAgent({ models: fakeModels(server), transcripts: store, ...deps });
}

async function toolResultsOnDisk(name: string): Promise<number> {
  const { records } = await store.read(ref);
  const calls = new Map<string, string>();
  let count = 0;
  for (const r of records) {
    if (r.kind !== 'item') continue;
    if (r.item.role === 'assistant') for (const c of r.item.toolCalls) calls.set(c.id, c.name);
    if (r.item.role === 'tool_results') count += r.item.results.filter((res) => calls.get(res.callId) === name).length;
  }
  return count;
}

describe.each([
  ['openai', OPENAI_MODEL],
  ['anthropic', ANTHROPIC_MODEL],
])('long runs through the %s client', (_provider, model) => {
  const smallWindow = { [model]: { contextWindow: 40_000, maxOutputTokens: 2_000 } };

  test('a task whose requests would exceed the window keeps going through compaction and lands', async () => {
    // Twelve pages of about 3,300 tokens each: together more than the window holds.
    const seen = windowedModel(37_000, [...reads(12), ...landing]);
    const run = testRun(ref);
    const result = await worker({ modelProfiles: smallWindow }).work(request(model), run.ctx);

    expect(result.result).toEqual({ outcome: 'done', summary: 'Wrote out.txt; node check.js passes.' });
    expect(result.stoppedBy).toBeUndefined();
    expect(seen.refusals).toBe(0);
    expect(seen.summaries).toBeGreaterThanOrEqual(1);
    expect(seen.largest).toBeLessThanOrEqual(37_000);
    expect(await fs.readFile(path.join(dir, 'out.txt'), 'utf8')).toBe('summary\n');
    // The model saw the summary in place of the older turns...
    const compacted = server.requests.find((r) => r.messages.some((m) => m.text?.includes('[Context compacted')));
    expect(compacted?.messages.find((m) => m.text?.includes('[Context compacted'))?.text).toContain('read data.txt in pages');
    // ...while the transcript on disk still holds every one of the twelve reads, and the compaction.
    expect(await toolResultsOnDisk('read_file')).toBe(12);
    const { records } = await store.read(ref);
    expect(records.some((r) => r.kind === 'compaction')).toBe(true);
    // The summary call is paid for like any other.
    expect(result.usage.calls).toBe(15 + seen.summaries);
  });

  test('a context-length error is recovered by compacting, never a failure', async () => {
    // The table says 128k, but the provider refuses beyond 12k: only the error tells.
    const seen = windowedModel(12_000, [...reads(5), ...landing]);
    const result = await worker().work(request(model), testRun(ref).ctx);

    expect(seen.refusals).toBeGreaterThanOrEqual(1);
    expect(result.result.outcome).toBe('done');
    expect(await toolResultsOnDisk('read_file')).toBe(5);
    const { records } = await store.read(ref);
    expect(records.some((r) => r.kind === 'note' && /refused the request as too long/.test(r.text))).toBe(true);
  });

  test('a model repeating one call whatever it gets back is nudged, then stopped as stalled within a dozen calls', async () => {
    server.setResponder(() => call('read_file', { path: 'README.md' }));
    const result = await worker().work(request(model), testRun(ref).ctx);

    expect(server.requests.length).toBeLessThanOrEqual(12);
    expect(result.stoppedBy).toBe('stalled');
    expect(result.stopDetail).toMatch(/the same call read_file .*README\.md.* 8 times in a row/);
    expect(result.result).toEqual({ outcome: 'blocked', summary: expect.stringMatching(/^Stalled before finishing the task/) });
    expect(lastToolResults(server.requests[4])[0]?.content).toMatch(/\[Loop check: the same call read_file .* 4 times in a row/);
    const { records } = await store.read(ref);
    expect(records[records.length - 1]).toMatchObject({ kind: 'end', stop: 'stalled' });
  });

  test('an alternating pair of calls is stopped as stalled', async () => {
    let n = 0;
    server.setResponder(() => (n++ % 2 === 0 ? call('list_files', {}) : call('read_file', { path: 'README.md' })));
    const result = await worker().work(request(model), testRun(ref).ctx);
    expect(result.stoppedBy).toBe('stalled');
    expect(result.stopDetail).toMatch(/alternating between list_files and read_file .* 5 times/);
    expect(server.requests.length).toBe(10);
  });

  test('a reply cut at the output limit is told as such, not run, and the model writes in smaller pieces', async () => {
    const cut: FakeReply = { toolCalls: [{ name: 'write_file', arguments: '{"path": "out.txt", "content": "a very long' }], cutOff: true };
    windowedModel(1_000_000, [cut, ...landing]);
    const result = await worker({ modelProfiles: smallWindow }).work(request(model), testRun(ref).ctx);

    const told = lastToolResults(server.requests[1])[0];
    expect(told?.isError).toBe(true);
    expect(told?.content).toMatch(/^not run: your reply was cut off at the output limit \(2000 tokens\).*smaller pieces/);
    expect(result.result.outcome).toBe('done');
    // The output limit from the model's profile is what the request asked for.
    const body = server.requests[0]?.body as Record<string, unknown>;
    expect(body[model.startsWith('openai') ? 'max_completion_tokens' : 'max_tokens']).toBe(2_000);
  });

  test('per-task caps warn first, then give one wrap-up turn and report the cap', async () => {
    // Each call costs the same; the cap sits at three and a half calls.
    const perCall = model.startsWith('openai') ? (100 * 1.25 + 20 * 10) / 1e6 : (100 * 3 + 20 * 15) / 1e6;
    // Varied calls, so only the budget ends the run; the wrap-up message gets an honest report.
    const explore = [
      call('list_files', {}),
      call('read_file', { path: 'README.md' }),
      call('search', { pattern: 'line' }),
      call('read_file', { path: 'check.js' }),
    ];
    let n = 0;
    server.setResponder((req) => {
      const last = req.messages[req.messages.length - 1];
      if (last?.text?.includes('This is your last turn')) {
        return call('finish_task', { summary: 'Read part of the data; out.txt not written yet.', outcome: 'blocked' });
      }
      return explore[n++ % explore.length] as FakeReply;
    });
    const result = await worker().work(request(model, { taskLimits: { maxTaskCostUsd: perCall * 3.5 } }), testRun(ref).ctx);

    expect(server.requests).toHaveLength(5);
    expect(lastToolResults(server.requests[3])[0]?.content).toMatch(/\[Budget: .* of this task's budget left\. Wrap up now/);
    expect(server.requests[4]?.messages[server.requests[4].messages.length - 1]?.text).toMatch(
      /cap maxTaskCostUsd .* is reached\. This is your last turn/,
    );
    expect(result.stoppedBy).toBe('task_limit');
    expect(result.stopDetail).toMatch(/^maxTaskCostUsd/);
    expect(result.result).toEqual({ outcome: 'blocked', summary: 'Read part of the data; out.txt not written yet.' });
  });

  test('an empty done is sent back once with the reason; a second one is accepted', async () => {
    windowedModel(1_000_000, [finishDone, finishDone]);
    const result = await worker().work(request(model), testRun(ref).ctx);
    const told = lastToolResults(server.requests[1])[0];
    expect(told?.isError).toBe(true);
    expect(told?.content).toMatch(
      /sent back once because your working copy has no change.*and you never ran the project's test command `node check\.js`/,
    );
    expect(server.requests).toHaveLength(2);
    expect(result.result.outcome).toBe('done');
  });

  test('a done after a change and a test run is accepted at once', async () => {
    windowedModel(1_000_000, landing);
    const result = await worker().work(request(model), testRun(ref).ctx);
    expect(server.requests).toHaveLength(3);
    expect(result.result.outcome).toBe('done');
  });

  test('AGENTS.md at the root and in the folders the task touches reaches the prompt, root first', async () => {
    await writeTree(dir, {
      'AGENTS.md': 'Root rule: keep lines short.\n',
      'docs/AGENTS.md': 'Docs rule: British spelling.\n',
      'other/AGENTS.md': 'Not this one.\n',
    });
    windowedModel(1_000_000, landing);
    await worker().work(
      request(model, { task: { title: 'Docs', instructions: 'Write docs/out.md.', files: ['docs/out.md'] } }),
      testRun(ref).ctx,
    );
    const kickoff = server.requests[0]?.messages[0]?.text ?? '';
    expect(kickoff).toContain('### AGENTS.md (repository root)\n\nRoot rule: keep lines short.');
    expect(kickoff).toContain('### docs/AGENTS.md\n\nDocs rule: British spelling.');
    expect(kickoff.indexOf('Root rule')).toBeLessThan(kickoff.indexOf('Docs rule'));
    expect(kickoff).not.toContain('Not this one.');
  });

  test("the role's reasoning effort is on the wire, and thinking blocks come back unchanged", async () => {
    const thinking = model.startsWith('anthropic');
    windowedModel(
      1_000_000,
      landing.map((step, i) => (thinking ? { ...step, thinking: i === 1 ? { redacted: 'b3BhcXVl' } : `plan step ${i}` } : step)),
    );
    const reasoningModel = { [model]: { contextWindow: 200_000, maxOutputTokens: 64_000, reasoning: true } };
    const result = await worker({ reasoning: { worker: 'high' }, modelProfiles: reasoningModel }).work(request(model), testRun(ref).ctx);
    expect(result.result.outcome).toBe('done');
    const bodies = server.requests.map((r) => r.body as Record<string, unknown>);
    if (thinking) {
      expect(bodies[0]).toMatchObject({ max_tokens: 64_000, thinking: { type: 'enabled', budget_tokens: 24_000 } });
      // The fake refuses any thinking block that is not sent back exactly as it was issued.
      const sent = (bodies[2] as { messages: { role: string; content: { type: string }[] }[] }).messages;
      expect(sent[1]?.content[0]).toMatchObject({ type: 'thinking', thinking: 'plan step 0' });
      expect(sent[3]?.content[0]).toEqual({ type: 'redacted_thinking', data: 'b3BhcXVl' });
    } else {
      expect(bodies.every((b) => b['reasoning_effort'] === 'high')).toBe(true);
    }
    // The project's own effort wins over the role's.
    server.requests.length = 0;
    windowedModel(1_000_000, landing);
    await worker({ reasoning: { worker: 'high' }, modelProfiles: reasoningModel }).work(
      request(model, { reasoningEffort: 'none' }),
      testRun(TranscriptStore.refFor({ projectId: 'proj', cycle: 1, agentId: 'other' })).ctx,
    );
    const first = server.requests[0]?.body as Record<string, unknown>;
    if (thinking) expect(first).not.toHaveProperty('thinking');
    else expect(first['reasoning_effort']).toBe('none');
  });

  test('a model whose profile does not say it reasons gets no reasoning parameter, which it would refuse', async () => {
    windowedModel(1_000_000, landing);
    await worker({ reasoning: { worker: 'high' } }).work(request(model), testRun(ref).ctx);
    const body = server.requests[0]?.body as Record<string, unknown>;
    expect(body).not.toHaveProperty('reasoning_effort');
    expect(body).not.toHaveProperty('thinking');
  });
});

describe('a compacted run that is retried', () => {
  test('resumes from the compacted conversation, not from everything before it', async () => {
    const profiles = { [OPENAI_MODEL]: { contextWindow: 40_000, maxOutputTokens: 2_000 } };
    const seen = windowedModel(37_000, [...reads(12), { fault: 'server_error' } as unknown as FakeReply]);
    const agent = worker({ modelProfiles: profiles });
    const first = testRun(ref);
    await expect(agent.work(request(OPENAI_MODEL), first.ctx)).rejects.toThrow(/failed to answer \(500\)/);
    expect(seen.summaries).toBeGreaterThanOrEqual(1);
    const checkpoint = first.beats[first.beats.length - 1];
    expect(checkpoint?.turn).toBe(12);

    server.requests.length = 0;
    windowedModel(37_000, landing);
    const result = await agent.work(request(OPENAI_MODEL), testRun(ref, checkpoint).ctx);
    expect(result.result.outcome).toBe('done');
    const resent = server.requests[0]?.messages ?? [];
    expect(resent.some((m) => m.text?.includes('[Context compacted'))).toBe(true);
    expect(resent.filter((m) => m.role === 'tool').length).toBeLessThan(12);
    // Both attempts together left every read in the transcript.
    expect(await toolResultsOnDisk('read_file')).toBe(12);
  });
});
