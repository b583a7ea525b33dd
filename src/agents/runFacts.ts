import type { ConversationItem, ToolCall, ToolResult } from '../models/modelClient';

/** The single-file writing tools, whose `path` argument names what they changed (apply_patch names its files in the patch). */
const WRITING_TOOLS = new Set(['write_file', 'edit_file']);

function argumentsOf(call: ToolCall): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(call.argumentsJson);
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function squash(command: string): string {
  return command.replace(/\s+/g, ' ').trim();
}

/**
 * What a run has done so far, from its successful tool calls: the files it wrote and the commands it
 * ran. Compaction keeps the list of changed files in front of the model, and the finish review checks
 * a `done` against it.
 */
export class RunFacts {
  readonly filesChanged = new Set<string>();
  readonly commands: string[] = [];

  /** Facts of a conversation rebuilt from a transcript, so a resumed run knows what it did before. */
  static fromConversation(items: readonly ConversationItem[]): RunFacts {
    const facts = new RunFacts();
    const calls = new Map<string, ToolCall>();
    for (const item of items) {
      if (item.role === 'assistant') for (const call of item.toolCalls) calls.set(call.id, call);
      if (item.role === 'tool_results') {
        for (const result of item.results) {
          const call = calls.get(result.callId);
          if (call) facts.record(call, result);
        }
      }
    }
    return facts;
  }

  record(call: ToolCall, result: Pick<ToolResult, 'isError'>): void {
    if (result.isError) return;
    const args = argumentsOf(call);
    if (WRITING_TOOLS.has(call.name) && typeof args['path'] === 'string') {
      this.filesChanged.add(args['path'].trim().replace(/^\.\//, ''));
    }
    if (call.name === 'apply_patch' && typeof args['patch'] === 'string') {
      for (const match of args['patch'].matchAll(/^\*\*\* (?:Add|Update|Delete) File: (.+)$/gm)) {
        this.filesChanged.add((match[1] as string).trim().replace(/^\.\//, ''));
      }
    }
    if (call.name === 'run_command' && typeof args['command'] === 'string') this.commands.push(args['command']);
  }

  /** True when some command run contains `command` (whitespace-insensitive), e.g. `npm test -- --runInBand` for `npm test`. */
  ran(command: string): boolean {
    const wanted = squash(command);
    return this.commands.some((c) => squash(c).includes(wanted));
  }
}
