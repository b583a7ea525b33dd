import { promises as fs } from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { resolveForWrite } from './pathConfinement';
import { defineTool, ToolError, type AgentTool } from './toolTypes';

/** Large enough for any hand-written source file; larger content is almost certainly a mistake. */
const MAX_WRITE_BYTES = 2 * 1024 * 1024;

const WriteFileInput = z.object({
  path: z.string().min(1).describe('File to create or overwrite, relative to the working directory.'),
  content: z.string().describe('The complete new content of the file.'),
});

export const writeFileTool: AgentTool = defineTool({
  name: 'write_file',
  description:
    'Create a file or replace its whole content. Missing parent directories are created. ' +
    'For a change to part of an existing file, prefer edit_file.',
  input: WriteFileInput,
  async run(input, ctx) {
    const bytes = Buffer.byteLength(input.content, 'utf8');
    if (bytes > MAX_WRITE_BYTES) throw new ToolError(`content is ${bytes} bytes; the limit is ${MAX_WRITE_BYTES}`);
    const target = await resolveForWrite(ctx.dir, input.path);
    const existing = await fs.lstat(target.abs).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (existing?.isDirectory()) throw new ToolError(`${target.rel} is a directory`);
    await fs.mkdir(path.dirname(target.abs), { recursive: true });
    await fs.writeFile(target.abs, input.content, 'utf8');
    const lines = input.content === '' ? 0 : input.content.split('\n').length;
    return `${existing ? 'overwrote' : 'created'} ${target.rel} (${lines} lines, ${bytes} bytes)`;
  },
});
