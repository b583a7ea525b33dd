import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import type { CliIo, GlobalOptions } from './cliContext';
import { CliError } from './cliError';
import { exitCodes } from './exitCodes';
import { httpUrl, nonNegativeInteger, positiveInteger, webOrigins } from './optionParsers';
import { addLimitOptions, addProjectOptions, type LimitOptions, type ProjectOptions } from './projectOptions';

const exitCodeHelp = `
Exit codes:
  0    ok; for run/watch: the project ended "done"
  1    runtime failure (server unreachable, no such project, workers stopped, ...)
  2    bad usage (unknown command or option, invalid value)
  3    run/watch: the project ended without reaching its goal (stopped, limit_reached, abandoned)
  4    run/watch: the project's workflow failed, was cancelled, terminated or timed out
  130  run/watch: detached with Ctrl-C (the project goes on in Temporal)`;

const environmentHelp = `
Environment:
  TEMPORAL_ADDRESS      Temporal server (host:port); unset: a local dev server is started and reused
  TEMPORAL_NAMESPACE    namespace (default "default")
  TEMPORAL_API_KEY      API key (Temporal Cloud); TEMPORAL_TLS=true for TLS without client certificates
  LONGHAUL_TASK_QUEUE   workflow task queue (default "longhaul")
  LONGHAUL_CONFIG       config file (default ./longhaul.config.json)
  LONGHAUL_STATE_DIR    state folder: local server database, logs, transcripts (default ./.longhaul)
  LONGHAUL_UI_URL       Web UI base URL for links (default http://localhost:8233 for the local server)
  LONGHAUL_DEV_SERVER_PORT  port of the local dev server (default 7233; its Web UI 1000 above)
  LONGHAUL_PAYLOAD_KEYS comma-separated "<id>:<base64 32-byte key>": encrypt payloads (the first key encrypts, all decrypt)
  LONGHAUL_UI_CODEC_ENDPOINT  codec server for the local dev server's Web UI (when longhaul starts it)
  OPENAI_API_KEY, ANTHROPIC_API_KEY  provider keys, read by workers only`;

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}`;
}

/** Builds the `longhaul` command line. Each command's code is loaded only when it runs. */
export function buildProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command('longhaul');
  program
    .description('Run long-lived teams of coding agents (planners, workers, a judge) on Temporal against a git repository.')
    .version(packageVersion(), '-V, --version')
    .option('-c, --config <file>', 'config file (default: $LONGHAUL_CONFIG, then ./longhaul.config.json)')
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride()
    .addHelpText('after', `${exitCodeHelp}\n${environmentHelp}`);

  const globals = (command: Command): GlobalOptions => command.optsWithGlobals<GlobalOptions>();
  const act =
    <A extends unknown[]>(handler: (...args: A) => Promise<number>) =>
    async (...args: A): Promise<void> => {
      setExitCode(await handler(...args));
    };

  addProjectOptions(
    program
      .command('run')
      .summary('start a project (or attach to a running one) and run its workers here, with a live view')
      .description(
        'Starts a project and runs all workers in this process, showing a live view until the project ends. ' +
          'With the --id of a running project, attaches to it instead of starting a second one.\n\n' +
          'Ctrl-C detaches: the project stays durable in Temporal and carries on when you run `longhaul run --id <id>` again.',
      ),
  )
    .addHelpText(
      'after',
      examples(
        'longhaul run --goal "Add OAuth login with GitHub" --repo . --test-command "npm test" --max-cost 40',
        'longhaul run --id oauth --goal "Add OAuth login" --repo git@github.com:acme/web.git --deadline 48h',
        'longhaul run --id oauth        # reattach after Ctrl-C, a reboot or a crash',
      ),
    )
    .action(
      act(async (options: ProjectOptions, command: Command) =>
        (await import('./commands/runCommand')).runCommand(options, globals(command), io),
      ),
    );

  addProjectOptions(
    program
      .command('start')
      .summary('start a project and print its id (workers run elsewhere)')
      .description('Starts a project and prints its id on stdout; `longhaul worker` processes do the work.'),
  )
    .addHelpText(
      'after',
      examples(
        'longhaul start --goal "Upgrade to React 19" --repo https://github.com/acme/web.git --max-parallel-workers 20',
        'id=$(longhaul start --goal "..." --repo .) && longhaul watch "$id"',
      ),
    )
    .action(
      act(async (options: ProjectOptions, command: Command) =>
        (await import('./commands/startCommand')).startCommand(options, globals(command), io),
      ),
    );

  program
    .command('watch')
    .summary('follow a project live until it ends')
    .description('Shows the live view of a project (redrawn in place on a terminal, one line per change otherwise) until it ends.')
    .argument('<id>', 'project id')
    .addOption(new Option('--interval <ms>', 'how often to ask for the status').default(1000).argParser(positiveInteger))
    .addHelpText('after', examples('longhaul watch oauth', 'longhaul watch oauth | tee oauth.log'))
    .action(
      act(async (id: string, options: { interval?: number }, command: Command) =>
        (await import('./commands/watchCommand')).watchCommand(id, options, globals(command), io),
      ),
    );

  program
    .command('status')
    .summary("print a project's status once")
    .argument('<id>', 'project id')
    .option('--json', 'print one JSON object: {projectId, execution, status?, statusError?, result?, failure?}')
    .addHelpText('after', examples('longhaul status oauth', "longhaul status oauth --json | jq '.status.usage.costUsd'"))
    .action(
      act(async (id: string, options: { json?: boolean }, command: Command) =>
        (await import('./commands/statusCommand')).statusCommand(id, options, globals(command), io),
      ),
    );

  for (const [name, summary, example] of [
    ['pause', 'pause a project: running tasks finish, nothing new starts', 'longhaul pause oauth'],
    ['resume', 'resume a paused project', 'longhaul resume oauth'],
    ['stop', 'end a project after its current cycle (outcome "stopped")', 'longhaul stop oauth'],
    [
      'cancel',
      'cancel a project: running agents are stopped (their work kept on task branches) and it ends cancelled',
      'longhaul cancel oauth',
    ],
  ] as const) {
    program
      .command(name)
      .summary(summary)
      .argument('<id>', 'project id')
      .addHelpText('after', examples(example))
      .action(
        act(async (id: string, _options: object, command: Command) =>
          (await import('./commands/signalCommands')).signalCommand(name, id, globals(command), io),
        ),
      );
  }

  program
    .command('steer')
    .summary("give a project's planners an instruction")
    .argument('<id>', 'project id')
    .argument('<instruction>', 'what the planners should take into account (1-4000 characters)')
    .addHelpText('after', examples('longhaul steer oauth "Keep the session cookie name; other services read it."'))
    .action(
      act(async (id: string, instruction: string, _options: object, command: Command) =>
        (await import('./commands/signalCommands')).steerCommand(id, instruction, globals(command), io),
      ),
    );

  addLimitOptions(
    program
      .command('limits')
      .summary("change a running project's limits and print them")
      .description('Changes limits of a running project at once (through its setLimits update) and prints the limits now in force.')
      .argument('<id>', 'project id')
      .option('--json', 'print the limits as JSON'),
  )
    .addHelpText(
      'after',
      examples('longhaul limits oauth --max-cost 80 --deadline 2026-07-01T18:00:00Z', 'longhaul limits oauth --max-parallel-workers 2'),
    )
    .action(
      act(async (id: string, options: LimitOptions & { json?: boolean }, command: Command) =>
        (await import('./commands/limitsCommand')).limitsCommand(id, options, globals(command), io),
      ),
    );

  program
    .command('list')
    .summary('list projects (newest first)')
    .option('--running', 'only projects still running')
    .addOption(new Option('--limit <n>', 'at most this many').default(50).argParser(positiveInteger))
    .option('--json', 'print JSON')
    .addHelpText('after', examples('longhaul list', 'longhaul list --running --json'))
    .action(
      act(async (options: { running?: boolean; limit?: number; json?: boolean }, command: Command) =>
        (await import('./commands/listCommand')).listCommand(options, globals(command), io),
      ),
    );

  program
    .command('worker')
    .summary('run longhaul workers in the foreground')
    .description('Runs longhaul workers until Ctrl-C or SIGTERM (graceful). Run many, on many machines, to scale out.')
    .option('--role <roles>', 'comma-separated roles: workflow, plan, work, judge, merge, or "all"', 'all')
    .addHelpText(
      'after',
      examples('longhaul worker', 'LONGHAUL_WORK_CONCURRENCY=16 longhaul worker --role work', 'longhaul worker --role workflow,plan,judge'),
    )
    .action(
      act(async (options: { role?: string }, command: Command) =>
        (await import('./commands/workerCommand')).workerCommand(options, globals(command), io),
      ),
    );

  program
    .command('dev-server')
    .summary('run the local Temporal dev server in the foreground')
    .description("Runs `temporal server start-dev` with longhaul's search attributes, persistent state and 30-day retention, until Ctrl-C.")
    .option('--port <port>', 'gRPC port (default 7233 or $LONGHAUL_DEV_SERVER_PORT)', positiveInteger)
    .option('--ui-port <port>', 'Web UI port (default: gRPC port + 1000)', nonNegativeInteger)
    .option('--db-filename <file>', 'SQLite state file (default <state dir>/temporal.sqlite)')
    .option('--headless', 'without the Web UI')
    .option('--ui-codec-endpoint <url>', 'codec server the Web UI decodes payloads with (default: $LONGHAUL_UI_CODEC_ENDPOINT)', httpUrl)
    .addHelpText(
      'after',
      examples(
        'longhaul dev-server',
        'longhaul dev-server --port 7300 --db-filename /var/lib/longhaul/temporal.sqlite',
        'longhaul dev-server --ui-codec-endpoint http://127.0.0.1:8888   # with `longhaul codec-server` running',
      ),
    )
    .action(
      act(
        async (
          options: { port?: number; uiPort?: number; dbFilename?: string; headless?: boolean; uiCodecEndpoint?: string },
          command: Command,
        ) => (await import('./commands/devServerCommand')).devServerCommand(options, globals(command), io),
      ),
    );

  // The Web UI of `temporal server start-dev`, and of longhaul's local dev server.
  const defaultOrigins = ['http://localhost:8233'];
  program
    .command('codec-server')
    .summary('serve the payload keys to the Web UI and the Temporal CLI (Temporal codec server protocol)')
    .description(
      'Serves POST /encode and /decode (also under /{namespace}/) with the keys of LONGHAUL_PAYLOAD_KEYS, so the Web UI ' +
        '(`temporal server start-dev --ui-codec-endpoint <url>`, or its "Codec Server" setting) and `temporal workflow ... --codec-endpoint <url>` ' +
        'show and send goals, plans and summaries that Temporal stores encrypted. Runs until Ctrl-C or SIGTERM.\n\n' +
        'Anyone who reaches it can decrypt: it listens on 127.0.0.1 unless --host says otherwise, which then needs a --token.',
    )
    .addOption(new Option('--port <port>', 'port to listen on (0: any free port)').default(8888).argParser(nonNegativeInteger))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .addOption(
      new Option('--origin <origin>', "browser origin allowed to call it, repeatable (the Web UI's)")
        .default(defaultOrigins)
        .argParser(webOrigins(defaultOrigins)),
    )
    .option('--token <token>', 'require "Authorization: Bearer <token>" (default: $LONGHAUL_CODEC_TOKEN)')
    .addHelpText(
      'after',
      examples(
        'LONGHAUL_PAYLOAD_KEYS="k1:$(openssl rand -base64 32)" longhaul codec-server --port 8888',
        'temporal workflow show --workflow-id my-project --codec-endpoint http://127.0.0.1:8888',
        'LONGHAUL_CODEC_TOKEN="$(openssl rand -hex 32)" longhaul codec-server --host 0.0.0.0 --origin https://temporal.example.com',
      ),
    )
    .action(
      act(async (options: { port: number; host: string; origin: string[]; token?: string }, command: Command) =>
        (await import('./commands/codecServerCommand')).codecServerCommand(options, globals(command), io),
      ),
    );

  return program;
}

/**
 * Runs the command line and returns the exit code. Usage errors (from commander or from a command's
 * own checks) give 2; everything else that fails gives 1 with one message that says what to do.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = exitCodes.ok;
  const program = buildProgram(io, (code) => (exitCode = code));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed its message already.
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? exitCodes.ok : exitCodes.usage;
    }
    if (err instanceof CliError) {
      io.stderr.write(`longhaul: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr.write(`longhaul: ${err instanceof Error ? err.message : String(err)}\n`);
    if (io.env.LONGHAUL_DEBUG && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
    return exitCodes.failure;
  }
}

function packageVersion(): string {
  // Two levels up from both src/cli (ts-node) and dist/cli (built).
  const file = path.resolve(__dirname, '..', '..', 'package.json');
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch (err) {
    return `unknown (${(err as Error).message})`;
  }
}
