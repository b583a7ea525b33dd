import { renderLimits } from '../../src/cli/commands/limitsCommand';
import { defaultLimits } from '../../src/schemas/limits';

test('`longhaul limits` prints the outage budget in force, the default where none was set', () => {
  const lines = renderLimits('p', defaultLimits);
  expect(lines).toContain('  outageBudgetMinutes    180 (default)');
  expect(renderLimits('p', { ...defaultLimits, outageBudgetMinutes: 45 })).toContain('  outageBudgetMinutes    45');
});
