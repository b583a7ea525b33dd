import { promises as fs } from 'fs';
import { z } from 'zod';
import { resolveExisting } from './pathConfinement';
import { defineTool, ToolError, type AgentTool } from './toolTypes';
import { walkTree } from './treeWalker';

/** Up to this many files are listed one by one; beyond it the listing is summarised per directory. */
const MAX_LISTED_FILES = 400;
/** Bounds the walk itself on huge trees. */
const MAX_WALKED_FILES = 50_000;

const ListFilesInput = z.object({
  path: z.string().optional().describe('Directory to list, relative to the working directory. Defaults to the whole tree.'),
});

export const listFilesTool: AgentTool = defineTool({
  name: 'list_files',
  description:
    'List the files under a directory (recursively, honouring .gitignore, without .git). ' +
    `Large trees are summarised per top-level entry with file counts; list a subdirectory to see more.`,
  input: ListFilesInput,
  async run(input, ctx) {
    const target = await resolveExisting(ctx.dir, input.path ?? '.');
    const stat = await fs.stat(target.abs);
    if (!stat.isDirectory()) throw new ToolError(`${target.rel} is a file, not a directory; use read_file`);
    const root = await fs.realpath(ctx.dir);
    const files: string[] = [];
    let walkCapped = false;
    for await (const entry of walkTree(root, target.rel, ctx.signal)) {
      if (files.length >= MAX_WALKED_FILES) {
        walkCapped = true;
        break;
      }
      files.push(entry.kind === 'symlink' ? `${entry.rel}@` : entry.rel);
    }
    if (files.length === 0) return `${target.rel}: no files (empty or all ignored)`;
    if (files.length <= MAX_LISTED_FILES) {
      return [`${target.rel}: ${files.length} file(s)`, ...files].join('\n');
    }
    return summarise(target.rel, files, walkCapped);
  },
});

function summarise(dirRel: string, files: string[], walkCapped: boolean): string {
  const prefix = dirRel === '.' ? '' : `${dirRel}/`;
  const counts = new Map<string, number>();
  const topFiles: string[] = [];
  for (const file of files) {
    const rest = file.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash < 0) topFiles.push(file);
    else {
      const dir = `${prefix}${rest.slice(0, slash)}/`;
      counts.set(dir, (counts.get(dir) ?? 0) + 1);
    }
  }
  const lines = [
    `${dirRel}: ${walkCapped ? 'more than ' : ''}${files.length} files — too many to list; ` +
      'summary by entry (list a subdirectory for its files):',
    ...[...counts.entries()].map(([dir, n]) => `${dir} (${n} files)`),
    ...topFiles.slice(0, MAX_LISTED_FILES),
  ];
  if (topFiles.length > MAX_LISTED_FILES) lines.push(`… and ${topFiles.length - MAX_LISTED_FILES} more files here`);
  return lines.join('\n');
}
