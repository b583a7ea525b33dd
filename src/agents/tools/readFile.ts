import { promises as fs } from 'fs';
import { z } from 'zod';
import { resolveExisting } from './pathConfinement';
import { capLine, MAX_TOOL_OUTPUT_CHARS } from './textLimits';
import { defineTool, ToolError, type AgentTool } from './toolTypes';

const DEFAULT_LINES = 400;
const MAX_LINES = 2_000;
/** Files beyond this size are still readable, but only through offset/limit windows. */
const MAX_FILE_BYTES = 20 * 1024 * 1024;

const ReadFileInput = z.object({
  path: z.string().min(1).describe('File to read, relative to the working directory.'),
  offset: z.number().int().min(1).optional().describe('First line to return, 1-based. Defaults to 1.'),
  limit: z.number().int().min(1).max(MAX_LINES).optional().describe(`How many lines to return. Defaults to ${DEFAULT_LINES}.`),
});

/** A NUL byte in the first few kilobytes is git's own heuristic for binary content. */
export function looksBinary(buf: Buffer): boolean {
  return buf.subarray(0, 8_000).includes(0);
}

export const readFileTool: AgentTool = defineTool({
  name: 'read_file',
  description:
    'Read a text file. Each returned line is prefixed with its line number and a tab (the prefix is not part ' +
    `of the file). Returns at most ${DEFAULT_LINES} lines unless limit says otherwise; use offset to page.`,
  input: ReadFileInput,
  async run(input, ctx) {
    const target = await resolveExisting(ctx.dir, input.path);
    const stat = await fs.stat(target.abs);
    if (stat.isDirectory()) throw new ToolError(`${target.rel} is a directory; use list_files`);
    if (stat.size > MAX_FILE_BYTES) {
      throw new ToolError(`${target.rel} is ${stat.size} bytes, too large to read; use search to find the part you need`);
    }
    const buf = await fs.readFile(target.abs);
    if (looksBinary(buf)) throw new ToolError(`${target.rel} looks like a binary file (${stat.size} bytes)`);
    const text = buf.toString('utf8');
    if (text.length === 0) return `${target.rel}: empty file`;
    const lines = text.split('\n');
    // A trailing newline does not start another line.
    if (lines[lines.length - 1] === '') lines.pop();
    const first = input.offset ?? 1;
    if (first > lines.length) {
      throw new ToolError(`offset ${first} is past the end of ${target.rel} (${lines.length} lines)`);
    }
    const wanted = input.limit ?? DEFAULT_LINES;
    const out: string[] = [];
    let used = 0;
    let last = first - 1;
    for (let i = first - 1; i < lines.length && out.length < wanted; i++) {
      const rendered = `${i + 1}\t${capLine(lines[i] ?? '')}`;
      if (used + rendered.length + 1 > MAX_TOOL_OUTPUT_CHARS && out.length > 0) break;
      out.push(rendered);
      used += rendered.length + 1;
      last = i + 1;
    }
    const header = `${target.rel} (lines ${first}-${last} of ${lines.length})`;
    const footer = last < lines.length ? [`… more lines follow; continue with offset ${last + 1}`] : [];
    return [header, ...out, ...footer].join('\n');
  },
});
