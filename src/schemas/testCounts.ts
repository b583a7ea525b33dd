import { z } from 'zod';

/** Test counts a test runner reported for one commit; `total` counts every test it found, skipped ones too. */
export const TestCounts = z.object({
  commit: z.string().min(1).max(64),
  passed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
});
export type TestCounts = z.infer<typeof TestCounts>;
