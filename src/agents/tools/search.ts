import { promises as fs } from 'fs';
import { z } from 'zod';
import { looksBinary } from './readFile';
import { resolveExisting } from './pathConfinement';
import { capLine } from './textLimits';
import { defineTool, ToolError, type AgentTool } from './toolTypes';
import { walkTree } from './treeWalker';

const MAX_MATCHES = 200;
const MAX_MATCH_LINE_CHARS = 300;
/** Larger files are generated or data; searching them costs time and returns noise. */
const MAX_SEARCHED_FILE_BYTES = 2 * 1024 * 1024;

const SearchInput = z.object({
  pattern: z.string().min(1).max(1_000).describe('A JavaScript regular expression, matched against each line.'),
  path: z.string().optional().describe('File or directory to search, relative to the working directory. Defaults to the whole tree.'),
});

function compile(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (err) {
    throw new ToolError(`invalid regular expression: ${(err as Error).message}`);
  }
}

export const searchTool: AgentTool = defineTool({
  name: 'search',
  description:
    'Search file contents with a regular expression, line by line, honouring .gitignore and skipping .git and ' +
    `binary files. Returns "path:line: text" for up to ${MAX_MATCHES} matching lines.`,
  input: SearchInput,
  async run(input, ctx) {
    const regex = compile(input.pattern);
    const target = await resolveExisting(ctx.dir, input.path ?? '.');
    const root = await fs.realpath(ctx.dir);
    const stat = await fs.stat(target.abs);
    const files = stat.isDirectory()
      ? walkTree(root, target.rel, ctx.signal)
      : single({ rel: target.rel, abs: target.abs, kind: 'file' as const });
    const matches: string[] = [];
    let filesSearched = 0;
    let capped = false;
    outer: for await (const file of files) {
      if (file.kind !== 'file') continue;
      const info = await fs.stat(file.abs);
      if (info.size > MAX_SEARCHED_FILE_BYTES) continue;
      const buf = await fs.readFile(file.abs);
      if (looksBinary(buf)) continue;
      filesSearched++;
      const lines = buf.toString('utf8').split('\n');
      for (let i = 0; i < lines.length; i++) {
        if (!regex.test(lines[i] ?? '')) continue;
        if (matches.length >= MAX_MATCHES) {
          capped = true;
          break outer;
        }
        matches.push(`${file.rel}:${i + 1}: ${capLine((lines[i] ?? '').trim(), MAX_MATCH_LINE_CHARS)}`);
      }
    }
    if (matches.length === 0) return `no matches for /${input.pattern}/ in ${target.rel} (${filesSearched} files searched)`;
    const tail = capped
      ? [`… stopped at ${MAX_MATCHES} matches; narrow the pattern or the path`]
      : [`${matches.length} match(es) in ${filesSearched} files searched`];
    return [...matches, ...tail].join('\n');
  },
});

async function* single<T>(item: T): AsyncGenerator<T> {
  yield item;
}
