/**
 * Finds where an edit applies, trying stricter matches first: exact text, then the same text with
 * line endings ignored (CRLF files edited with LF text), then whole lines with trailing whitespace
 * ignored. The first stage that finds anything decides; more than one place is never guessed between.
 */
export type TextMatch =
  | { kind: 'found'; start: number; end: number; how: MatchStage }
  | { kind: 'ambiguous'; lines: number[]; how: MatchStage }
  | { kind: 'none' };

export type MatchStage = 'exact' | 'ignoring line endings' | 'ignoring trailing whitespace';

export function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function occurrences(haystack: string, needle: string): number[] {
  const found: number[] = [];
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) found.push(at);
  return found;
}

/** `text` with CRLF as LF, and for each of its positions the position in `text` it came from. */
function withoutCarriageReturns(text: string): { plain: string; origin: number[] } {
  const origin: number[] = [];
  let plain = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\r' && text[i + 1] === '\n') {
      // The LF stands for both characters, so a match ending before it leaves the CR out too.
      origin.push(i);
      plain += '\n';
      i++;
      continue;
    }
    origin.push(i);
    plain += text[i];
  }
  origin.push(text.length);
  return { plain, origin };
}

interface Line {
  start: number;
  /** End of the content, before its line ending. */
  end: number;
  /** After the line ending. */
  next: number;
}

function linesOf(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    const next = nl < 0 ? text.length : nl + 1;
    let end = nl < 0 ? text.length : nl;
    if (end > start && text[end - 1] === '\r') end--;
    lines.push({ start, end, next });
    start = next;
  }
  return lines;
}

function decide(starts: number[], lengthOf: (start: number) => number, text: string, how: MatchStage): TextMatch | undefined {
  if (starts.length === 0) return undefined;
  if (starts.length > 1) return { kind: 'ambiguous', lines: starts.slice(0, 20).map((at) => lineOf(text, at)), how };
  const start = starts[0] as number;
  return { kind: 'found', start, end: start + lengthOf(start), how };
}

export function findEditTarget(text: string, needle: string): TextMatch {
  const exact = decide(occurrences(text, needle), () => needle.length, text, 'exact');
  if (exact) return exact;

  const { plain, origin } = withoutCarriageReturns(text);
  const plainNeedle = needle.replace(/\r\n/g, '\n');
  const eolStarts = occurrences(plain, plainNeedle);
  if (eolStarts.length > 0) {
    if (eolStarts.length > 1) {
      return { kind: 'ambiguous', lines: eolStarts.slice(0, 20).map((at) => lineOf(plain, at)), how: 'ignoring line endings' };
    }
    const at = eolStarts[0] as number;
    const start = origin[at] as number;
    const end = origin[at + plainNeedle.length] as number;
    return { kind: 'found', start, end, how: 'ignoring line endings' };
  }

  // Whole lines, compared without trailing whitespace; a trailing newline in the needle takes the
  // matched last line's ending with it.
  const keepsEnding = plainNeedle.endsWith('\n');
  const wanted = (keepsEnding ? plainNeedle.slice(0, -1) : plainNeedle).split('\n').map((l) => l.trimEnd());
  const lines = linesOf(text);
  const starts: number[] = [];
  const ends = new Map<number, number>();
  for (let i = 0; i + wanted.length <= lines.length; i++) {
    let same = true;
    for (let j = 0; j < wanted.length && same; j++) {
      const line = lines[i + j] as Line;
      same = text.slice(line.start, line.end).trimEnd() === wanted[j];
    }
    if (!same) continue;
    const first = lines[i] as Line;
    const last = lines[i + wanted.length - 1] as Line;
    starts.push(first.start);
    ends.set(first.start, keepsEnding ? last.next : last.end);
  }
  return decide(starts, (start) => (ends.get(start) as number) - start, text, 'ignoring trailing whitespace') ?? { kind: 'none' };
}

/** True when most line breaks of `text` are CRLF: replacement text is then written with CRLF too. */
export function usesCrlf(text: string): boolean {
  const crlf = occurrences(text, '\r\n').length;
  const all = occurrences(text, '\n').length;
  return crlf > 0 && crlf * 2 >= all;
}

/** Lines `from`..`to` (1-based, inclusive) of `text`, each prefixed with its number and a tab, as read_file shows them. */
export function numberedLines(text: string, from: number, to: number): string {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const first = Math.max(1, from);
  const last = Math.min(lines.length, to);
  const out: string[] = [];
  for (let n = first; n <= last; n++) out.push(`${n}\t${(lines[n - 1] ?? '').replace(/\r$/, '')}`);
  return out.join('\n');
}
