import { describeFindings, scanDiff } from '../../secrets/changeScan';
import type { Git } from '../core/gitRunner';
import type { IntegrateOptions, IntegrationResult } from '../workspaceContract';

/** Rounds of "take the credentials out" a worker gets before the change is refused for good. */
const MAX_SECRET_ROUNDS = 2;

/** Zero context lines: only added lines are scanned, numbered as in the new file; paths unquoted. */
const diffOptions = ['-U0', '--no-color', '--no-ext-diff', '--no-textconv', '--no-renames'];

async function scan(git: Git, args: string[]): Promise<IntegrationResult | undefined> {
  const { stdout } = await git(['-c', 'core.quotePath=false', 'diff', ...diffOptions, ...args]);
  const findings = scanDiff(stdout);
  if (findings.length === 0) return undefined;
  return { status: 'secrets_found', details: describeFindings(findings), findings };
}

/**
 * Scans what is staged against `base` for credentials. A change carrying one goes back to the worker
 * (like a conflict does) with each file and line, and is scanned again once it says it is fixed;
 * a change still carrying one comes back as `secrets_found` and nothing is committed.
 */
export async function keepSecretsOut(
  git: Git,
  base: string,
  options: Pick<IntegrateOptions, 'removeSecrets'>,
): Promise<IntegrationResult | undefined> {
  for (let round = 1; ; round++) {
    const found = await scan(git, ['--cached', '--end-of-options', base, '--']);
    if (found?.status !== 'secrets_found') return undefined;
    if (options.removeSecrets === undefined || round > MAX_SECRET_ROUNDS) return found;
    const fixed = await options.removeSecrets({ findings: found.findings, details: found.details });
    if (!fixed) return found;
    await git(['add', '-A', '--verbose']);
  }
}

/** Scans the commits `from..to` (a resolved conflict) for credentials. */
export function secretsInRange(git: Git, from: string, to: string): Promise<IntegrationResult | undefined> {
  return scan(git, ['--end-of-options', from, to, '--']);
}
