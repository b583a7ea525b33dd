import { promises as fs } from 'fs';
import { z } from 'zod';
import { looksBinary } from './readFile';
import { resolveExisting, resolveForWrite } from './pathConfinement';
import { defineTool, ToolError, type AgentTool } from './toolTypes';

const EditFileInput = z.object({
  path: z.string().min(1).describe('File to edit, relative to the working directory.'),
  old_text: z
    .string()
    .min(1)
    .describe('Exact text to replace (whitespace included, no line-number prefixes); it must occur exactly once.'),
  new_text: z.string().describe('Replacement text.'),
});

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function occurrences(haystack: string, needle: string): number[] {
  const found: number[] = [];
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) found.push(at);
  return found;
}

export const editFileTool: AgentTool = defineTool({
  name: 'edit_file',
  description:
    'Replace one exact occurrence of old_text with new_text in a file. old_text must match the file exactly ' +
    'and occur exactly once; include surrounding lines to make it unique.',
  input: EditFileInput,
  async run(input, ctx) {
    // Both checks: the file must exist, and must be a place this agent may write to.
    await resolveExisting(ctx.dir, input.path);
    const target = await resolveForWrite(ctx.dir, input.path);
    const buf = await fs.readFile(target.abs);
    if (looksBinary(buf)) throw new ToolError(`${target.rel} looks like a binary file; it cannot be edited as text`);
    const text = buf.toString('utf8');
    const found = occurrences(text, input.old_text);
    if (found.length === 0) {
      throw new ToolError(
        `old_text was not found in ${target.rel}. It must match exactly, including whitespace and indentation; ` +
          're-read the file and copy the text without the line-number prefixes.',
      );
    }
    if (found.length > 1) {
      const lines = found.slice(0, 20).map((at) => lineOf(text, at));
      throw new ToolError(
        `old_text occurs ${found.length} times in ${target.rel} (at lines ${lines.join(', ')}); ` +
          'include more surrounding text so it matches exactly once.',
      );
    }
    const at = found[0] ?? 0;
    const updated = text.slice(0, at) + input.new_text + text.slice(at + input.old_text.length);
    await fs.writeFile(target.abs, updated, 'utf8');
    return `edited ${target.rel} at line ${lineOf(text, at)} (${input.old_text.split('\n').length} line(s) replaced by ${
      input.new_text === '' ? 0 : input.new_text.split('\n').length
    })`;
  },
});
