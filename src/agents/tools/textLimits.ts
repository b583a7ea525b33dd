/**
 * Caps for everything a tool hands back, so a single call can never flood the model's context:
 * about 3,000 tokens a result, so a long run fits many turns before it must compact.
 */
export const MAX_TOOL_OUTPUT_CHARS = 12_000;
export const MAX_LINE_CHARS = 2_000;

/**
 * Keeps the start and the end of a long output: command output usually has its cause near the
 * beginning and its verdict (summary, exit status) at the end.
 */
export function capMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = Math.floor(max * 0.4);
  const tail = max - head;
  const dropped = text.length - head - tail;
  return `${text.slice(0, head)}\n… [${dropped} characters truncated] …\n${text.slice(text.length - tail)}`;
}

export function capLine(line: string, max: number = MAX_LINE_CHARS): string {
  return line.length <= max ? line : `${line.slice(0, max)}… [line truncated]`;
}
