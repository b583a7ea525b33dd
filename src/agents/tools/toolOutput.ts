import { MAX_TOOL_OUTPUT_CHARS } from './textLimits';

/** Share of a truncated output kept from its start; the rest comes from its end. */
const HEAD_SHARE = 0.4;

/** What a model is told to do when a generic tool result was cut. */
export const NARROW_DOWN_HINT =
  'ask for less: a narrower command (grep, head, tail), read_file with offset/limit, or a more specific search';

/** What a model is told when command output was cut. */
export const COMMAND_OUTPUT_HINT =
  'to see the cut part, rerun with the output narrowed (`| grep …`, `| tail -n 100`) or redirected to a file you page through with read_file';

/**
 * Keeps the start and the end of a long tool output, with a note on how much was cut and how to read
 * more. The cap keeps one result to a few thousand tokens, so a long run fits many turns in its window:
 * errors usually show near the start, and summaries and exit status at the end.
 */
export function headAndTail(text: string, hint: string, max: number = MAX_TOOL_OUTPUT_CHARS): string {
  if (text.length <= max) return text;
  const head = Math.floor(max * HEAD_SHARE);
  const tail = max - head;
  const dropped = text.length - head - tail;
  return `${text.slice(0, head)}\n… [${dropped} characters cut here; ${hint}] …\n${text.slice(text.length - tail)}`;
}
