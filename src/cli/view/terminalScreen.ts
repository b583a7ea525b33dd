import type { OutputStream } from '../outputStream';

/**
 * Redraws a block of lines in place on a terminal: moves the cursor back to the block's first line and
 * clears below it before writing. Lines are clipped to the terminal's width and the block to its height,
 * since a wrapped or scrolled-off line would break the next redraw.
 */
export class TerminalScreen {
  private drawn = 0;

  constructor(private readonly out: OutputStream) {}

  draw(lines: readonly string[]): void {
    const columns = Math.max(20, this.out.columns || 100);
    const rows = Math.max(5, this.out.rows || 40);
    let shown = lines.map((line) => (line.length >= columns ? `${line.slice(0, columns - 2)}…` : line));
    if (shown.length > rows - 1)
      shown = [...shown.slice(0, rows - 2), `… ${shown.length - rows + 2} more line(s); widen or enlarge the terminal`];
    const up = this.drawn > 0 ? `\x1b[${this.drawn}F` : '';
    this.out.write(`${up}\x1b[J${shown.join('\n')}\n`);
    this.drawn = shown.length;
  }

  hideCursor(): void {
    this.out.write('\x1b[?25l');
  }

  showCursor(): void {
    this.out.write('\x1b[?25h');
  }
}
