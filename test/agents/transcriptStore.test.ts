import { promises as fs } from 'fs';
import * as path from 'path';
import { TranscriptStore, type TranscriptRecord } from '../../src/state/transcriptStore';
import { zeroUsage } from '../../src/schemas/usage';
import { TempDirs } from './tempDirs';

const temps = new TempDirs();
afterAll(() => temps.cleanup());

const item = (turn: number, text: string): TranscriptRecord => ({ kind: 'item', turn, item: { role: 'user', text } });

describe('TranscriptStore', () => {
  test('derives safe relative refs from project, cycle and agent', () => {
    expect(TranscriptStore.refFor({ projectId: 'proj-1', cycle: 3, agentId: 'p0.2.r1.4' })).toBe(
      'transcripts/proj-1/cycle-3/p0.2.r1.4.jsonl',
    );
    expect(TranscriptStore.refFor({ projectId: '../evil', cycle: 1, agentId: 'a/b:c' })).toBe('transcripts/__evil/cycle-1/a_b_c.jsonl');
  });

  test('refuses refs that leave the state dir', async () => {
    const store = new TranscriptStore({ stateDir: await temps.make() });
    for (const ref of ['../x.jsonl', '/etc/passwd', 'transcripts/../../x', '']) {
      expect(() => store.pathOf(ref)).toThrow(/invalid transcript ref/);
    }
  });

  test('appends JSON lines and reads them back', async () => {
    const stateDir = await temps.make();
    const store = new TranscriptStore({ stateDir });
    const ref = TranscriptStore.refFor({ projectId: 'p', cycle: 1, agentId: 't1' });
    expect(await store.exists(ref)).toBe(false);
    await store.append(ref, item(0, 'hello'));
    await store.appendAll(ref, [item(1, 'a'), { kind: 'checkpoint', turn: 1, usage: zeroUsage }]);
    expect(await store.exists(ref)).toBe(true);
    const text = await fs.readFile(path.join(stateDir, ref), 'utf8');
    expect(text.trim().split('\n')).toHaveLength(3);
    expect(await store.read(ref)).toEqual({
      records: [item(0, 'hello'), item(1, 'a'), { kind: 'checkpoint', turn: 1, usage: zeroUsage }],
      truncatedTail: false,
    });
  });

  test('tolerates a last line cut short by a crash, but not damage in the middle', async () => {
    const stateDir = await temps.make();
    const store = new TranscriptStore({ stateDir });
    const ref = 'transcripts/p/cycle-1/t.jsonl';
    await store.append(ref, item(0, 'hello'));
    await fs.appendFile(store.pathOf(ref), '{"kind":"item","tu');
    expect(await store.read(ref)).toEqual({ records: [item(0, 'hello')], truncatedTail: true });
    await fs.appendFile(store.pathOf(ref), '\n' + JSON.stringify(item(1, 'later')) + '\n');
    await expect(store.read(ref)).rejects.toThrow(/line 2 is not JSON/);
  });

  test('refuses lines that are not transcript records', async () => {
    const store = new TranscriptStore({ stateDir: await temps.make() });
    const ref = 'transcripts/p/cycle-1/t.jsonl';
    await fs.mkdir(path.dirname(store.pathOf(ref)), { recursive: true });
    await fs.writeFile(store.pathOf(ref), '{"kind":"bogus"}\n');
    await expect(store.read(ref)).rejects.toThrow(/not a transcript record/);
  });

  test('takes its state dir from LONGHAUL_STATE_DIR, else .longhaul in the cwd', () => {
    const saved = process.env.LONGHAUL_STATE_DIR;
    try {
      process.env.LONGHAUL_STATE_DIR = '/tmp/somewhere-else';
      expect(new TranscriptStore().stateDir).toBe('/tmp/somewhere-else');
      delete process.env.LONGHAUL_STATE_DIR;
      expect(new TranscriptStore().stateDir).toBe(path.resolve('.longhaul'));
    } finally {
      if (saved === undefined) delete process.env.LONGHAUL_STATE_DIR;
      else process.env.LONGHAUL_STATE_DIR = saved;
    }
  });
});
