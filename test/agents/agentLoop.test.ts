import { promises as fs } from 'fs';
import * as path from 'path';
import type { WorkerAgentRequest } from '../../src/agents/agentContracts';
import { ModelWorkerAgent } from '../../src/agents/workerAgent';
import { simpleGit } from 'simple-git';
import { TranscriptStore } from '../../src/state/transcriptStore';
import { startFakeModelServer, type FakeModelServer } from '../support/fakeModelServer';
import { call, fakeModels, lastToolResults, lastUserText, OPENAI_MODEL, ANTHROPIC_MODEL, scripted, testRun } from './agentHarness';
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
beforeEach(async () => {
  server.requests.length = 0;
  store = new TranscriptStore({ stateDir: await temps.make('longhaul-state-') });
  dir = await temps.make('longhaul-work-');
  await writeTree(dir, { 'README.md': '# Greeter\n\nSays hello.\n', 'package.json': '{"name":"greeter"}\n' });
  // Uncommitted files in a git working copy: a `done` here is not sent back as "no change" (see longRuns.test.ts).
  await simpleGit(dir).init();
});

function request(model = OPENAI_MODEL): WorkerAgentRequest {
  return {
    projectId: 'proj',
    cycle: 1,
    taskId: 'p0.r1.1',
    goal: 'A greeter that greets by name.',
    task: { title: 'Add greet.js', instructions: 'Create src/greet.js exporting greet(name).', files: ['src/greet.js', 'README.md'] },
    model,
    dir,
    steering: ['Keep it dependency-free.'],
  };
}

const ref = TranscriptStore.refFor({ projectId: 'proj', cycle: 1, agentId: 'p0.r1.1' });
const greet = 'exports.greet = (name) => `hello ${name}`;\n';
const finishDone = call('finish_task', { summary: 'Added src/greet.js; tests pass.', outcome: 'done' });

describe.each([
  ['openai', OPENAI_MODEL],
  ['anthropic', ANTHROPIC_MODEL],
])('a worker through the %s client', (_provider, model) => {
  test('explores, writes files, runs the tests and finishes', async () => {
    server.setResponder(
      scripted([
        call('list_files', {}),
        call('write_file', { path: 'src/greet.js', content: greet }),
        call('edit_file', { path: 'README.md', old_text: 'Says hello.', new_text: 'Says hello by name: `greet(name)`.' }),
        call('run_command', { command: "node -e \"console.log(require('./src/greet.js').greet('ada'))\"" }),
        finishDone,
      ]),
    );
    const run = testRun(ref);
    const agent = new ModelWorkerAgent({ models: fakeModels(server), transcripts: store });
    const result = await agent.work(request(model), run.ctx);

    expect(result.result).toEqual({ outcome: 'done', summary: 'Added src/greet.js; tests pass.' });
    expect(result.stoppedBy).toBeUndefined();
    expect(result.promptVersion).toMatch(/^worker-\d{4}-\d{2}-\d{2}\.\d+$/);
    expect(result.usage.calls).toBe(5);
    expect(result.usage.inputTokens).toBe(500);
    expect(result.usage.outputTokens).toBe(100);
    expect(result.usage.costUsd).toBeGreaterThan(0);
    expect(await fs.readFile(path.join(dir, 'src/greet.js'), 'utf8')).toBe(greet);
    expect(await fs.readFile(path.join(dir, 'README.md'), 'utf8')).toContain('Says hello by name');

    expect(run.beats.map((b) => b.turn)).toEqual([1, 2, 3, 4, 5]);
    expect(run.beats.every((b) => b.transcriptRef === ref)).toBe(true);
    expect(run.beats[4]?.usage).toEqual(result.usage);

    const [first] = server.requests;
    expect(first?.model).toBe('fake-' + (model.startsWith('openai') ? 'gpt' : 'claude'));
    expect(first?.toolNames).toEqual([
      'list_files',
      'read_file',
      'search',
      'write_file',
      'edit_file',
      'apply_patch',
      'run_command',
      'finish_task',
    ]);
    expect(first?.system).toContain('you own it end to end');
    expect(first?.messages[0]?.text).toContain('# Task p0.r1.1: Add greet.js');
    expect(first?.messages[0]?.text).toContain('Keep it dependency-free.');
    expect(lastToolResults(server.requests[1])[0]?.content).toBe('.: 2 file(s)\nREADME.md\npackage.json');
    expect(lastToolResults(server.requests[4])[0]).toMatchObject({ isError: false });
    expect(lastToolResults(server.requests[4])[0]?.content).toMatch(/^exit code 0[\s\S]*hello ada/);

    const { records } = await store.read(ref);
    expect(records[0]).toMatchObject({ kind: 'start', role: 'worker', promptVersion: result.promptVersion });
    expect(records.filter((r) => r.kind === 'checkpoint')).toHaveLength(5);
    expect(records[records.length - 1]).toMatchObject({ kind: 'end', stop: 'terminal', result: result.result });
  });
});

describe('the agent loop', () => {
  test('reminds a model that answers in prose, a bounded number of times, then ends blocked', async () => {
    server.setResponder(() => ({ text: 'I think the change should be straightforward.' }));
    const run = testRun(ref);
    const agent = new ModelWorkerAgent({ models: fakeModels(server), transcripts: store, limits: { maxProseReminders: 2 } });
    const result = await agent.work(request(), run.ctx);

    expect(server.requests).toHaveLength(3);
    expect(lastUserText(server.requests[1])).toMatch(/without calling a tool[\s\S]*1 reminder\(s\) left/);
    expect(lastUserText(server.requests[2])).toMatch(/0 reminder\(s\) left/);
    expect(result.result.outcome).toBe('blocked');
    expect(result.result.summary).toMatch(/without calling a tool.*should be straightforward/);
    expect(result.stoppedBy).toBeUndefined();
    expect(result.usage.calls).toBe(3);
  });

  test('a reminder gets a prose answer back on track', async () => {
    server.setResponder(scripted([{ text: 'Let me think.' }, finishDone]));
    const result = await new ModelWorkerAgent({ models: fakeModels(server), transcripts: store }).work(request(), testRun(ref).ctx);
    expect(result.result.outcome).toBe('done');
    expect(server.requests).toHaveLength(2);
  });

  test('returns malformed and invalid tool arguments as tool errors, and the model corrects them', async () => {
    server.setResponder(
      scripted([
        { toolCalls: [{ name: 'write_file', arguments: '{"path": "a.txt", "content": ' }] },
        call('write_file', { path: 42 }),
        call('delete_everything', {}),
        call('finish_task', { summary: 'x', outcome: 'maybe' }),
        call('write_file', { path: 'a.txt', content: 'fixed' }),
        finishDone,
      ]),
    );
    const result = await new ModelWorkerAgent({ models: fakeModels(server), transcripts: store }).work(request(), testRun(ref).ctx);

    const errors = server.requests.slice(1, 5).map((r) => lastToolResults(r)[0]);
    expect(errors.every((e) => e?.isError === true)).toBe(true);
    expect(errors[0]?.content).toMatch(/not valid JSON/);
    expect(errors[1]?.content).toMatch(/invalid arguments[\s\S]*path[\s\S]*content/);
    expect(errors[2]?.content).toMatch(/no tool named "delete_everything".*write_file.*finish_task/);
    expect(errors[3]?.content).toMatch(/invalid arguments[\s\S]*outcome/);
    expect(lastToolResults(server.requests[5])[0]).toMatchObject({ isError: false });
    expect(await fs.readFile(path.join(dir, 'a.txt'), 'utf8')).toBe('fixed');
    expect(result.result.outcome).toBe('done');
  });

  test('a path escape is a tool error, not a failure of the run', async () => {
    server.setResponder(scripted([call('read_file', { path: '../../etc/passwd' }), finishDone]));
    const result = await new ModelWorkerAgent({ models: fakeModels(server), transcripts: store }).work(request(), testRun(ref).ctx);
    expect(lastToolResults(server.requests[1])[0]).toMatchObject({ isError: true });
    expect(lastToolResults(server.requests[1])[0]?.content).toMatch(/escapes the working directory/);
    expect(result.result.outcome).toBe('done');
  });

  test('stops at the turn limit, warning the model before it', async () => {
    server.setResponder(() => call('list_files', {}));
    const run = testRun(ref);
    const result = await new ModelWorkerAgent({ models: fakeModels(server), transcripts: store, limits: { maxTurns: 4 } }).work(
      request(),
      run.ctx,
    );
    expect(server.requests).toHaveLength(4);
    expect(result.stoppedBy).toBe('turn_limit');
    expect(result.result).toEqual({ outcome: 'blocked', summary: expect.stringMatching(/turn limit \(4 model turns\)/) });
    expect(lastToolResults(server.requests[1])[0]?.content).not.toMatch(/\[Budget/);
    expect(lastToolResults(server.requests[2])[0]?.content).toMatch(/\[Budget: 2 model turn\(s\) left.*finish_task/);
    expect(lastToolResults(server.requests[3])[0]?.content).toMatch(/\[Budget: 1 model turn\(s\) left/);
    expect(run.beats.map((b) => b.turn)).toEqual([1, 2, 3, 4]);
  });

  test('stops at the token limit', async () => {
    server.setResponder(() => call('list_files', {}));
    const result = await new ModelWorkerAgent({ models: fakeModels(server), transcripts: store, limits: { maxTokens: 250 } }).work(
      request(),
      testRun(ref).ctx,
    );
    // 120 tokens per call: 240 after two calls is under the limit, 360 after three is not.
    expect(server.requests).toHaveLength(3);
    expect(result.stoppedBy).toBe('token_limit');
    expect(result.usage.calls).toBe(3);
  });

  test('skips the tool calls that follow an accepted terminal call', async () => {
    server.setResponder(
      scripted([
        {
          toolCalls: [
            { name: 'finish_task', arguments: { summary: 'done', outcome: 'done' } },
            { name: 'write_file', arguments: { path: 'late.txt', content: 'x' } },
          ],
        },
      ]),
    );
    const result = await new ModelWorkerAgent({ models: fakeModels(server), transcripts: store }).work(request(), testRun(ref).ctx);
    expect(result.result.outcome).toBe('done');
    await expect(fs.access(path.join(dir, 'late.txt'))).rejects.toThrow();
    const { records } = await store.read(ref);
    const results = records.flatMap((r) => (r.kind === 'item' && r.item.role === 'tool_results' ? r.item.results : []));
    expect(results.map((r) => r.isError)).toEqual([false, true]);
    expect(results[1]?.content).toMatch(/not run/);
  });

  test('honours the abort signal, also in the middle of a command', async () => {
    server.setResponder(scripted([call('run_command', { command: 'sleep 30' }), finishDone]));
    const run = testRun(ref);
    setTimeout(() => run.controller.abort(new Error('activity cancelled')), 500);
    const started = Date.now();
    await expect(new ModelWorkerAgent({ models: fakeModels(server), transcripts: store }).work(request(), run.ctx)).rejects.toThrow(
      'activity cancelled',
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(server.requests).toHaveLength(1);
  }, 20_000);

  test('passes the signal to the model client', async () => {
    server.setResponder(() => ({ fault: 'delay', ms: 30_000, then: finishDone }));
    const run = testRun(ref);
    setTimeout(() => run.controller.abort(new Error('activity cancelled')), 300);
    const started = Date.now();
    await expect(new ModelWorkerAgent({ models: fakeModels(server), transcripts: store }).work(request(), run.ctx)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 20_000);
});

describe('resuming', () => {
  test('continues from the checkpoint without paying again for finished turns', async () => {
    server.setResponder(
      scripted([
        call('write_file', { path: 'one.txt', content: '1' }),
        call('write_file', { path: 'two.txt', content: '2' }),
        { fault: 'server_error' },
      ]),
    );
    const agent = new ModelWorkerAgent({ models: fakeModels(server), transcripts: store });
    const first = testRun(ref);
    await expect(agent.work(request(), first.ctx)).rejects.toThrow();
    expect(server.requests).toHaveLength(3);
    const checkpoint = first.beats[first.beats.length - 1];
    expect(checkpoint?.turn).toBe(2);

    server.setResponder(scripted([finishDone]));
    server.requests.length = 0;
    const second = testRun(ref, checkpoint);
    const result = await agent.work(request(), second.ctx);

    expect(server.requests).toHaveLength(1);
    // The whole earlier conversation is sent again: kickoff, then two turns of call and result.
    const resent = server.requests[0]?.messages ?? [];
    expect(resent.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant', 'tool']);
    expect(resent[1]?.toolCalls?.[0]?.name).toBe('write_file');
    expect(result.result.outcome).toBe('done');
    expect(result.usage.calls).toBe(3);
    expect(result.usage.inputTokens).toBe(300);
    expect(second.beats.map((b) => b.turn)).toEqual([3]);
    const { records } = await store.read(ref);
    expect(records.filter((r) => r.kind === 'start').map((r) => (r.kind === 'start' ? r.resumedFromTurn : -1))).toEqual([undefined, 2]);
  });

  test('a run that already finished returns its result without calling the model', async () => {
    server.setResponder(scripted([call('list_files', {}), finishDone]));
    const agent = new ModelWorkerAgent({ models: fakeModels(server), transcripts: store });
    const first = testRun(ref);
    const original = await agent.work(request(), first.ctx);
    server.requests.length = 0;
    server.setResponder(scripted([]));
    const again = await agent.work(request(), testRun(ref, first.beats[first.beats.length - 1]).ctx);
    expect(server.requests).toHaveLength(0);
    expect(again).toEqual(original);
  });

  test('starts over, keeping the cost already paid, when the transcript is not on this machine', async () => {
    server.setResponder(scripted([finishDone]));
    const paid = { calls: 4, inputTokens: 400, cachedInputTokens: 0, outputTokens: 80, costUsd: 0.0013 };
    const run = testRun(ref, { turn: 4, transcriptRef: 'transcripts/proj/cycle-1/elsewhere.jsonl', usage: paid });
    const result = await new ModelWorkerAgent({ models: fakeModels(server), transcripts: store }).work(request(), run.ctx);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.messages).toHaveLength(1);
    expect(result.usage.calls).toBe(5);
    const { records } = await store.read(ref);
    expect(records.some((r) => r.kind === 'note' && /cannot resume from turn 4/.test(r.text))).toBe(true);
  });

  test('a retried task skips its finished work run and resumes its conflict run', async () => {
    const agent = new ModelWorkerAgent({ models: fakeModels(server), transcripts: store });
    server.setResponder(scripted([finishDone, call('list_files', {}), { fault: 'server_error' }]));
    const first = testRun(ref);
    const worked = await agent.work(request(), first.ctx);
    const conflict = { ...request(), conflictedFiles: ['README.md'], details: 'CONFLICT (content): Merge conflict in README.md' };
    await expect(agent.resolveConflict(conflict, first.ctx)).rejects.toThrow();
    const checkpoint = first.beats[first.beats.length - 1];
    expect(checkpoint?.turn).toBe(1);

    server.requests.length = 0;
    server.setResponder(scripted([call('finish_task', { summary: 'Resolved README.md.', outcome: 'done' })]));
    const second = testRun(ref, checkpoint);
    expect(await agent.work(request(), second.ctx)).toEqual(worked);
    expect(server.requests).toHaveLength(0);
    const resolved = await agent.resolveConflict(conflict, second.ctx);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.messages[0]?.text).toContain('Resolve the merge conflict');
    expect(server.requests[0]?.messages).toHaveLength(3);
    expect(resolved.result).toEqual({ outcome: 'done', summary: 'Resolved README.md.' });
    expect(resolved.usage.calls).toBe(2);
    expect(resolved.promptVersion).toMatch(/^conflict-/);

    // A second conflict in the same attempt is a new run, not a resumed one.
    server.setResponder(scripted([call('finish_task', { summary: 'Resolved again.', outcome: 'done' })]));
    const again = await agent.resolveConflict(conflict, second.ctx);
    expect(again.result.summary).toBe('Resolved again.');
    expect(server.requests[1]?.messages).toHaveLength(1);
  });
});
