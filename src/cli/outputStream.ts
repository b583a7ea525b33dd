/** Where the CLI writes: process.stdout/stderr, or a test's capture. */
export interface OutputStream {
  write(text: string): boolean;
  /** True on a terminal that can be redrawn in place. */
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}
