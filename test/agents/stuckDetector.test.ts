import type { ToolCall } from '../../src/models/modelClient';
import { StuckDetector } from '../../src/agents/stuckDetector';

let id = 0;
const call = (name: string, args: unknown): ToolCall => ({ id: `c${id++}`, name, argumentsJson: JSON.stringify(args) });
const ok = { content: 'fine', isError: false };

describe('stuck detection', () => {
  test('the same error from different calls is nudged at four and stalled at eight', () => {
    const detector = new StuckDetector();
    const verdicts = Array.from({ length: 8 }, (_, i) =>
      detector.observe(call('edit_file', { path: 'a.ts', old_text: `v${i}` }), {
        content: 'error: old_text was not found in a.ts',
        isError: true,
      }),
    );
    expect(verdicts.map((v) => v.kind)).toEqual(['ok', 'ok', 'ok', 'nudge', 'ok', 'ok', 'ok', 'stalled']);
    expect(verdicts[7]).toMatchObject({
      pattern: expect.stringMatching(/the same error 8 times in a row: "error: old_text was not found/),
    });
  });

  test('argument order does not hide a repeat, and a different call breaks the run of repeats', () => {
    const detector = new StuckDetector();
    for (let i = 0; i < 3; i++) detector.observe(call('search', { pattern: 'x', path: 'src' }), ok);
    expect(detector.observe(call('search', { path: 'src', pattern: 'x' }), ok).kind).toBe('nudge');
    detector.observe(call('read_file', { path: 'a' }), ok);
    const after = Array.from({ length: 4 }, () => detector.observe(call('search', { pattern: 'x', path: 'src' }), ok).kind);
    expect(after).toEqual(['ok', 'ok', 'ok', 'nudge']);
  });

  test('varied work is never flagged', () => {
    const detector = new StuckDetector();
    const kinds = Array.from({ length: 40 }, (_, i) => detector.observe(call('read_file', { path: `f${i % 7}.ts`, offset: i }), ok).kind);
    expect(new Set(kinds)).toEqual(new Set(['ok']));
  });
});
