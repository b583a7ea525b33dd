import { z } from 'zod';
import type { CommandSandboxing } from '../../sandbox/sandboxes';

/** What a tool may touch: one directory tree, and the run's cancellation signal. */
export interface ToolContext {
  /** The agent's working directory; every path a tool sees is resolved inside it. */
  dir: string;
  signal: AbortSignal;
  /** How commands run, for the roles that may run any; without it `run_command` refuses. */
  sandboxing?: CommandSandboxing;
}

/**
 * An error meant for the model, not for the caller: the loop turns it into a tool error result so the
 * model can correct itself. Anything else thrown by a tool is a bug or an infrastructure failure.
 */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}

/** A tool with its argument type erased, so tools of different shapes can share one list. */
export interface AgentTool {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: z.ZodType;
  /** Validates `args` against `inputSchema` (a ToolError when they do not fit) and runs the tool. */
  invoke(args: unknown, ctx: ToolContext): Promise<string>;
}

export interface ToolDefinition<S extends z.ZodType> {
  name: string;
  description: string;
  input: S;
  run(input: z.infer<S>, ctx: ToolContext): Promise<string>;
}

export function defineTool<S extends z.ZodType>(def: ToolDefinition<S>): AgentTool {
  return {
    name: def.name,
    description: def.description,
    inputSchema: def.input,
    async invoke(args: unknown, ctx: ToolContext): Promise<string> {
      return def.run(parseToolArguments(def.input, args), ctx);
    },
  };
}

export function parseToolArguments<S extends z.ZodType>(schema: S, args: unknown): z.infer<S> {
  const parsed = schema.safeParse(args);
  if (!parsed.success) {
    throw new ToolError(`invalid arguments:\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}
