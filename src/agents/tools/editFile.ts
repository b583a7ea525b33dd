import { promises as fs } from 'fs';
import { z } from 'zod';
import { looksBinary } from './readFile';
import { resolveExisting, resolveForWrite } from './pathConfinement';
import { findEditTarget, lineOf, numberedLines, usesCrlf } from './textMatching';
import { defineTool, ToolError, type AgentTool } from './toolTypes';

const EditFileInput = z.object({
  path: z.string().min(1).describe('File to edit, relative to the working directory.'),
  old_text: z
    .string()
    .min(1)
    .describe(
      'Text to replace, copied from the file without line-number prefixes; it must occur exactly once. Line endings and trailing spaces need not match.',
    ),
  new_text: z.string().describe('Replacement text.'),
});

/** Lines of context shown around an edit, and at most this many lines of the changed region itself. */
const CONTEXT_LINES = 3;
const MAX_SHOWN_LINES = 60;

export const editFileTool: AgentTool = defineTool({
  name: 'edit_file',
  description:
    'Replace the one occurrence of old_text with new_text in a file, and show the changed lines. old_text is matched ' +
    'exactly first, then ignoring line endings (CRLF/LF), then ignoring trailing whitespace; it must occur exactly once, ' +
    "so include surrounding lines to make it unique. new_text is written with the file's own line endings.",
  input: EditFileInput,
  async run(input, ctx) {
    // Both checks: the file must exist, and must be a place this agent may write to.
    await resolveExisting(ctx.dir, input.path);
    const target = await resolveForWrite(ctx.dir, input.path);
    const buf = await fs.readFile(target.abs);
    if (looksBinary(buf)) throw new ToolError(`${target.rel} looks like a binary file; it cannot be edited as text`);
    const text = buf.toString('utf8');
    const match = findEditTarget(text, input.old_text);
    if (match.kind === 'none') {
      throw new ToolError(
        `old_text was not found in ${target.rel}, not even ignoring line endings and trailing whitespace. ` +
          'Indentation and the text itself must match: read the lines again with read_file and copy them without the line-number prefixes.',
      );
    }
    if (match.kind === 'ambiguous') {
      throw new ToolError(
        `old_text occurs ${match.lines.length >= 20 ? '20 or more' : match.lines.length} times in ${target.rel} (${match.how}; at lines ${match.lines.join(', ')}); ` +
          'include more surrounding text so it matches exactly once.',
      );
    }
    const replacement = usesCrlf(text) ? input.new_text.replace(/\r?\n/g, '\r\n') : input.new_text;
    const updated = text.slice(0, match.start) + replacement + text.slice(match.end);
    await fs.writeFile(target.abs, updated, 'utf8');
    const firstLine = lineOf(text, match.start);
    const removed = text.slice(match.start, match.end).split('\n').length;
    const added = replacement === '' ? 0 : replacement.split('\n').length;
    const lastShown = firstLine + Math.min(added, MAX_SHOWN_LINES) - 1 + CONTEXT_LINES;
    const how = match.how === 'exact' ? '' : ` (matched ${match.how})`;
    return (
      `edited ${target.rel} at line ${firstLine}${how}: ${removed} line(s) replaced by ${added}. The region now reads:\n` +
      numberedLines(updated, firstLine - CONTEXT_LINES, lastShown)
    );
  },
});
