import { parseTestCounts } from '../../src/agents/testCounts';

describe("test counts read from a runner's output", () => {
  test.each([
    [
      'Jest',
      'PASS test/a.test.ts\nTests:       1 failed, 2 skipped, 1 todo, 5 passed, 9 total\nTime: 1 s',
      { passed: 5, failed: 1, skipped: 3, total: 9 },
    ],
    [
      'Vitest',
      ' Test Files  1 failed | 2 passed (3)\n      Tests  1 failed | 6 passed | 2 skipped (9)\n',
      { passed: 6, failed: 1, skipped: 2, total: 9 },
    ],
    [
      'pytest',
      'tests/test_a.py ..F.s\n==== 1 failed, 3 passed, 1 skipped, 2 warnings in 0.12s ====',
      { passed: 3, failed: 1, skipped: 1, total: 5 },
    ],
    ['pytest -q', '..F\n1 failed, 2 passed in 0.05s', { passed: 2, failed: 1, skipped: 0, total: 3 }],
    [
      'cargo, summed over its test binaries',
      'test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out\ntest result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured',
      { passed: 4, failed: 2, skipped: 1, total: 7 },
    ],
    [
      'node:test (TAP)',
      '# tests 4\n# suites 1\n# pass 3\n# fail 1\n# cancelled 0\n# skipped 0\n# todo 0',
      { passed: 3, failed: 1, skipped: 0, total: 4 },
    ],
    ['node:test (spec)', 'ℹ tests 2\nℹ pass 2\nℹ fail 0\nℹ skipped 0\nℹ todo 0', { passed: 2, failed: 0, skipped: 0, total: 2 }],
    [
      'Mocha, coloured',
      '\u001b[32m  4 passing\u001b[0m (20ms)\n  1 pending\n  2 failing\n',
      { passed: 4, failed: 2, skipped: 1, total: 7 },
    ],
    [
      'go test -v',
      '=== RUN   TestA\n--- PASS: TestA (0.00s)\n--- FAIL: TestB (0.00s)\n--- SKIP: TestC (0.00s)\nFAIL',
      { passed: 1, failed: 1, skipped: 1, total: 3 },
    ],
  ])('%s', (_runner, output, counts) => {
    expect(parseTestCounts(output)).toEqual(counts);
  });

  test('output without a recognised summary has no counts', () => {
    expect(parseTestCounts('ok  \texample.com/greet\t0.01s\nall good')).toBeUndefined();
  });
});
