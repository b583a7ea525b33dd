import { z } from 'zod';
import type { ToolSpec } from '../../models/modelClient';
import { applyPatchTool } from './applyPatch';
import { editFileTool } from './editFile';
import { listFilesTool } from './listFiles';
import { readFileTool } from './readFile';
import { readOnlyRunCommandTool } from './readOnlyRunCommand';
import { runCommandTool } from './runCommand';
import { searchTool } from './search';
import type { AgentTool } from './toolTypes';
import { writeFileTool } from './writeFile';

/** Every role may look. */
export function readOnlyTools(): AgentTool[] {
  return [listFilesTool, readFileTool, searchTool];
}

/** The judge looks, and may run commands where nothing it runs can change the checkout. */
export function judgeTools(commands: boolean): AgentTool[] {
  return commands ? [...readOnlyTools(), readOnlyRunCommandTool] : readOnlyTools();
}

/** Only workers change things, and only in their own working copy. */
export function workerTools(): AgentTool[] {
  return [...readOnlyTools(), writeFileTool, editFileTool, applyPatchTool, runCommandTool];
}

/** The tool as a model is offered it: JSON Schema of what it accepts. */
export function toToolSpec(tool: { name: string; description: string; inputSchema: z.ZodType }): ToolSpec {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(tool.inputSchema, { io: 'input' }) as Record<string, unknown>;
  return { name: tool.name, description: tool.description, inputSchema: schema };
}
