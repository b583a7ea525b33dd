import { ToolError } from './toolTypes';

/** One hunk of an update: the lines it expects (context and removed) and the lines it leaves. */
export interface PatchHunk {
  /** Text after `@@`, a line to look for before the hunk (a function or class header); may be empty. */
  anchor: string;
  before: string[];
  after: string[];
}

export type PatchOperation =
  { kind: 'add'; path: string; lines: string[] } | { kind: 'delete'; path: string } | { kind: 'update'; path: string; hunks: PatchHunk[] };

const BEGIN = '*** Begin Patch';
const END = '*** End Patch';
const header = /^\*\*\* (Add|Delete|Update) File: (.+)$/;

/**
 * Parses the multi-file patch format Codex's `apply_patch` made familiar to models: files to add
 * (every line `+`), delete, or update with `@@` hunks of context (` `), removed (`-`) and added (`+`)
 * lines. Errors say which line is wrong, so the model can fix the patch.
 */
export function parsePatch(text: string): PatchOperation[] {
  const lines = text.replace(/\r\n/g, '\n').replace(/\n+$/, '').split('\n');
  if (lines[0]?.trim() !== BEGIN) throw new ToolError(`the patch must start with "${BEGIN}"`);
  if (lines[lines.length - 1]?.trim() !== END) throw new ToolError(`the patch must end with "${END}"`);
  const ops: PatchOperation[] = [];
  let current: PatchOperation | undefined;
  let hunk: PatchHunk | undefined;
  for (let i = 1; i < lines.length - 1; i++) {
    const line = lines[i] as string;
    const file = header.exec(line);
    if (file) {
      const path = (file[2] as string).trim();
      current =
        file[1] === 'Add'
          ? { kind: 'add', path, lines: [] }
          : file[1] === 'Delete'
            ? { kind: 'delete', path }
            : { kind: 'update', path, hunks: [] };
      hunk = undefined;
      ops.push(current);
      continue;
    }
    const where = `patch line ${i + 1}`;
    if (!current) throw new ToolError(`${where}: expected "*** Add File:", "*** Update File:" or "*** Delete File:"`);
    if (line === '*** End of File') continue;
    switch (current.kind) {
      case 'delete':
        throw new ToolError(`${where}: a deleted file takes no lines`);
      case 'add':
        if (!line.startsWith('+')) throw new ToolError(`${where}: every line of an added file starts with "+"`);
        current.lines.push(line.slice(1));
        break;
      case 'update': {
        if (line.startsWith('@@')) {
          hunk = { anchor: line.slice(2).trim(), before: [], after: [] };
          current.hunks.push(hunk);
          break;
        }
        if (!hunk) {
          hunk = { anchor: '', before: [], after: [] };
          current.hunks.push(hunk);
        }
        const mark = line[0] ?? ' ';
        const body = line.slice(1);
        if (mark === ' ' || line === '') {
          hunk.before.push(body);
          hunk.after.push(body);
        } else if (mark === '-') hunk.before.push(body);
        else if (mark === '+') hunk.after.push(body);
        else throw new ToolError(`${where}: a hunk line starts with " " (context), "-" (removed) or "+" (added)`);
        break;
      }
    }
  }
  if (ops.length === 0) throw new ToolError('the patch changes no file');
  for (const op of ops) {
    if (op.kind === 'update' && op.hunks.every((h) => h.before.length === 0 && h.after.length === 0)) {
      throw new ToolError(`the update of ${op.path} has no hunk`);
    }
  }
  return ops;
}
