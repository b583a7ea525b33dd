import { runShell } from '../../src/agents/tools/shellRunner';
import { runTestCommand } from '../../src/git/integration/testCommand';
import { removeDir, tempDir } from '../support/gitFixtures';
import { createSandboxes } from '../../src/sandbox/createSandboxes';

/** Variables as a command sees them, one `NAME=value` a line, sorted. */
function variables(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(line))
    .sort();
}

describe('the environment of commands on a checkout', () => {
  let dir: string;
  const planted = { FIXTURE_API_KEY: 'fixture-secret-value', LONGHAUL_FIXTURE: 'private', FIXTURE_PLAIN: 'visible' };

  beforeAll(() => {
    dir = tempDir('command-env');
    Object.assign(process.env, planted);
  });
  afterAll(() => {
    for (const name of Object.keys(planted)) delete process.env[name];
    removeDir(dir);
  });

  it("is the same for setup and the test command as for an agent's command, and has no secrets", async () => {
    // `env -0`-free listing; values here have no newlines.
    const gate = await runTestCommand('env', {
      cwd: dir,
      timeoutMs: 10_000,
      maxOutputChars: 200_000,
      sandboxing: createSandboxes().for('commands', undefined),
    });
    const agent = await runShell({
      command: 'env',
      cwd: dir,
      timeoutMs: 10_000,
      maxOutputChars: 200_000,
      sandboxing: createSandboxes().for('commands', undefined),
    });
    const ignore = (line: string) => /^(_|SHLVL|PWD|OLDPWD|BASH_.*)=/.test(line);
    expect(variables(gate.output).filter((line) => !ignore(line))).toEqual(variables(agent.output).filter((line) => !ignore(line)));
    expect(gate.output).toContain('FIXTURE_PLAIN=visible');
    expect(gate.output).toContain('CI=1');
    expect(gate.output).not.toContain('fixture-secret-value');
    expect(gate.output).not.toContain('LONGHAUL_FIXTURE');
  });
});
