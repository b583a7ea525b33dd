import { bulletList, fence, formatTesting, inlineCode, oneLine } from '../../src/agents/promptInputs';

describe('prompt inputs', () => {
  test('code spans and fences survive backticks in the text', () => {
    expect(inlineCode('npm test')).toBe('`npm test`');
    expect(inlineCode('echo `date`')).toBe('`` echo `date` ``');
    expect(fence('plain')).toBe('```\nplain\n```');
    expect(fence('has ``` inside')).toBe('````\nhas ``` inside\n````');
  });

  test('lists are bounded and say when they are empty', () => {
    expect(bulletList([], '(none)')).toBe('(none)');
    expect(bulletList(['a', 'b', 'c'], '(none)', 2)).toBe('- a\n- b\n- … and 1 more');
  });

  test('one-line values are collapsed and clipped', () => {
    expect(oneLine('a\n  b\tc', 100)).toBe('a b c');
    expect(oneLine('x'.repeat(50), 20).length).toBeLessThanOrEqual(20);
    expect(oneLine('x'.repeat(50), 20)).toMatch(/truncated\]$/);
  });

  test('the testing paragraph names the command or says there is none', () => {
    expect(formatTesting('npm test')).toContain('`npm test`');
    expect(formatTesting(undefined)).toContain('No test command is configured');
  });
});
