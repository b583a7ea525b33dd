import { z } from 'zod';
import { SandboxUnavailableError } from '../../sandbox/commandSandbox';
import type { CommandSandboxing } from '../../sandbox/sandboxes';
import { runShell, type ShellResult } from './shellRunner';
import { MAX_TOOL_OUTPUT_CHARS } from './textLimits';
import { COMMAND_OUTPUT_HINT, headAndTail } from './toolOutput';
import { defineTool, ToolError, type AgentTool, type ToolContext } from './toolTypes';

const DEFAULT_TIMEOUT_SECONDS = 300;
const MAX_TIMEOUT_SECONDS = 3_600;

const RunCommandInput = z.object({
  command: z.string().min(1).max(10_000).describe('A shell command, run with the working directory as cwd.'),
  timeout_seconds: z
    .number()
    .int()
    .min(1)
    .max(MAX_TIMEOUT_SECONDS)
    .optional()
    .describe(`Time limit; defaults to ${DEFAULT_TIMEOUT_SECONDS}. The whole process group is killed when it is hit.`),
});

/** How a finished command is reported to a model: status first, then the (capped) output. */
export function describeShellResult(result: ShellResult, timeoutSeconds: number): string {
  const seconds = (result.durationMs / 1000).toFixed(1);
  let status: string;
  if (result.timedOut) status = `timed out after ${timeoutSeconds}s and was killed`;
  else if (result.aborted) status = 'cancelled';
  else if (result.exitCode !== null) status = `exit code ${result.exitCode}`;
  else status = `killed by ${result.killedBy ?? 'a signal'}`;
  const output = result.output.length > 0 ? headAndTail(result.output, COMMAND_OUTPUT_HINT, MAX_TOOL_OUTPUT_CHARS - 200) : '(no output)';
  return `${status} (${seconds}s)\n${output}`;
}

/**
 * A `run_command` tool: the same limits, output and cancellation for every role that has one; what
 * differs is how it is described and which sandboxing it insists on (`sandboxingOf` throws a
 * ToolError when the agent was given none that fits).
 */
export function defineRunCommand(description: string, sandboxingOf: (ctx: ToolContext) => CommandSandboxing): AgentTool {
  return defineTool({
    name: 'run_command',
    description,
    input: RunCommandInput,
    async run(input, ctx) {
      const timeoutSeconds = input.timeout_seconds ?? DEFAULT_TIMEOUT_SECONDS;
      const sandboxing = sandboxingOf(ctx);
      let result: ShellResult;
      try {
        result = await runShell({
          command: input.command,
          cwd: ctx.dir,
          timeoutMs: timeoutSeconds * 1000,
          signal: ctx.signal,
          // Collected generously; headAndTail makes the final cut, with a hint on reading the rest.
          maxOutputChars: MAX_TOOL_OUTPUT_CHARS * 4,
          sandboxing,
        });
      } catch (err) {
        // No sandbox, no commands: the model hears why, and the operator sees it in the transcript.
        if (err instanceof SandboxUnavailableError) throw new ToolError(`commands cannot run on this worker: ${err.message}`);
        throw err;
      }
      return describeShellResult(result, timeoutSeconds);
    },
  });
}

export const runCommandTool: AgentTool = defineRunCommand(
  'Run a shell command in the working directory (non-interactive: no stdin, CI=1). Returns the exit code and the ' +
    'combined stdout/stderr, truncated in the middle when long. Background processes are stopped when the command ends. ' +
    'Commands normally run in a sandbox: only the working directory (and a private /tmp) can be written, the network ' +
    "is usually off, and pushing is the harness's job.",
  (ctx) => {
    if (ctx.sandboxing === undefined) throw new ToolError('run_command is not available: this agent was given no command sandbox');
    return ctx.sandboxing;
  },
);
