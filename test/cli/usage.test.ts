import { readTestServerInfo } from '../support/testServerInfo';
import { uniqueName } from '../support/longhaulTestWorkers';
import { cliEnv, runCli, type CliResult } from './cliHarness';
import { runInProcess } from './inProcessCli';

/**
 * Bad usage is refused with exit code 2 and a message naming the problem, before anything reaches
 * Temporal; a well-formed command about a project that does not exist fails with 1 and says how to
 * list projects. Every command's help has examples. Most checks run the command line in-process;
 * a few spawn the real executable to prove the exit codes reach the shell.
 */
describe('usage and help', () => {
  // No server configured and an unusable local port: a usage error must not even start a local server.
  const offline = { LONGHAUL_DEV_SERVER_PORT: '1' };

  const cases: [string, string[], RegExp][] = [
    ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['an unknown option', ['list', '--colour'], /unknown option '--colour'/],
    ['no command at all', [], /Usage: longhaul/],
    ['run without a goal or an id', ['run'], /Give --goal .* and --repo .* or --id/],
    ['run with a goal but no repo', ['run', '--goal', 'x'], /give both --goal .* and --repo/],
    [
      'run with a repo that is not there',
      ['run', '--goal', 'x', '--repo', '/no/such/repo'],
      /--repo \/no\/such\/repo does not exist here and is not a git URL/,
    ],
    ['a malformed limit', ['limits', 'p1', '--max-cost', 'lots'], /--max-cost <usd>.*invalid.*amount in USD/],
    ['limits without any limit', ['limits', 'p1'], /Name at least one limit/],
    ['a limit out of range', ['start', '--goal', 'g', '--repo', '/tmp', '--max-planner-depth', '9'], /--max-planner-depth .*6/],
    ['a bad deadline', ['start', '--goal', 'g', '--repo', '/tmp', '--deadline', 'next tuesday'], /--deadline.*ISO-8601/],
    ['a bad model name', ['start', '--goal', 'g', '--repo', '/tmp', '--worker-model', 'gpt'], /openai:<model>/],
    ['an invalid project id', ['status', 'no/slashes'], /not a valid project id/],
    ['an empty steering instruction', ['steer', 'p1', ' '], /instruction/],
    ['an unknown worker role', ['worker', '--role', 'chef'], /Unknown worker role "chef"/],
    ['a missing argument', ['pause'], /missing required argument 'id'/],
  ];

  test.each(cases)('%s: exit 2 with a clear message', async (_what, args, message) => {
    const result = await runInProcess(args, offline);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  test('help lists the exit codes and the environment, and every command shows examples', async () => {
    const main = await runInProcess(['--help'], offline);
    expect(main.code).toBe(0);
    expect(main.stdout).toMatch(/Exit codes:[\s\S]*\b3 +run\/watch: .*stopped, limit_reached, abandoned/);
    expect(main.stdout).toContain('TEMPORAL_ADDRESS');
    const commands = [
      'run',
      'start',
      'watch',
      'status',
      'pause',
      'resume',
      'steer',
      'stop',
      'cancel',
      'limits',
      'list',
      'worker',
      'dev-server',
    ];
    for (const command of commands) {
      expect(main.stdout).toContain(`  ${command}`);
      const help = await runInProcess([command, '--help'], offline);
      expect({ command, code: help.code }).toEqual({ command, code: 0 });
      expect(help.stdout).toMatch(new RegExp(`Examples:\\n  \\$ (\\S+=\\S+ )?(id=\\$\\()?longhaul ${command}`));
    }
  });

  test('the executable exits 2 on bad usage and 1 for a project that does not exist, saying how to list projects', async () => {
    const address = readTestServerInfo().address;
    const [usage, status, pause, unserved] = await Promise.all([
      runCli(['limits', 'p1', '--max-tasks', '-3'], cliEnv(offline)),
      runCli(['status', 'no-such-project'], cliEnv({ TEMPORAL_ADDRESS: address })),
      runCli(['pause', 'no-such-project'], cliEnv({ TEMPORAL_ADDRESS: address })),
      statusWithoutWorkers(address),
    ]);
    expect(unserved.code).toBe(1);
    expect(unserved.stdout).toContain('no answer from a workflow worker');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--max-tasks <n>.*invalid/);
    for (const result of [status, pause]) {
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `No project with id "no-such-project" on ${address} (namespace default); list projects with \`longhaul list\`.`,
      );
    }
  });
});

/** `status` of a project that no worker serves: it says so, and fails. */
async function statusWithoutWorkers(address: string): Promise<CliResult> {
  const env = { TEMPORAL_ADDRESS: address, LONGHAUL_TASK_QUEUE: uniqueName('unserved') };
  const id = uniqueName('unserved');
  const started = await runInProcess(['start', '--id', id, '--goal', 'nobody works on this', '--repo', '/tmp'], env);
  expect(started.stderr).toContain(`Started project ${id}`);
  expect(started.code).toBe(0);
  expect(started.stdout.trim()).toBe(id);
  try {
    return await runInProcess(['status', id], env);
  } finally {
    const cancelled = await runInProcess(['cancel', id], env);
    expect(cancelled.code).toBe(0);
  }
}
