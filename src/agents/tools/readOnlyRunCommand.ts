import { defineRunCommand } from './runCommand';
import { ToolError, type AgentTool } from './toolTypes';

/**
 * The judge's `run_command`: checks on the view of the head (its tests, a single test file, git
 * log/show/blame, a build into /tmp). The view is shared with the planners and must stay exactly the
 * head, so the tool runs only in a sandbox that mounts it read-only.
 */
export const readOnlyRunCommandTool: AgentTool = defineRunCommand(
  'Run a shell command in the repository checkout, to check things for yourself: run the tests or one test file, ' +
    'try the program, `git log`/`show`/`blame`. Non-interactive (no stdin, CI=1); returns the exit code and the combined ' +
    'stdout/stderr, truncated in the middle when long; background processes are stopped when the command ends. The ' +
    'checkout is read-only (writes there fail with "Read-only file system"); /tmp and the home folder are writable and ' +
    'thrown away afterwards; the network is usually off.',
  (ctx) => {
    if (ctx.sandboxing?.readOnly !== true) throw new ToolError('run_command is not available: this review was given no read-only sandbox');
    return ctx.sandboxing;
  },
);
