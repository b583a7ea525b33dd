import { promises as fs } from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { looksBinary } from './readFile';
import { resolveExisting, resolveForWrite } from './pathConfinement';
import { parsePatch, type PatchHunk } from './patchFormat';
import { numberedLines, usesCrlf } from './textMatching';
import { defineTool, ToolError, type AgentTool } from './toolTypes';

const ApplyPatchInput = z.object({
  patch: z.string().min(1).max(1_000_000).describe('The whole patch, from "*** Begin Patch" to "*** End Patch".'),
});

/** Where `hunk.before` sits in `lines`, at or after `from`: exactly first, then ignoring trailing whitespace; never a guess between two. */
function locate(lines: string[], hunk: PatchHunk, from: number, file: string): number {
  let start = from;
  if (hunk.anchor !== '') {
    const anchored = lines.findIndex((l, i) => i >= from && l.trim() === hunk.anchor.trim());
    if (anchored < 0) throw new ToolError(`${file}: the @@ line "${hunk.anchor}" was not found`);
    start = anchored;
  }
  if (hunk.before.length === 0) {
    if (hunk.anchor !== '') return start + 1;
    throw new ToolError(`${file}: a hunk without context lines cannot be placed; add a few unchanged lines around it`);
  }
  for (const same of [(a: string, b: string) => a === b, (a: string, b: string) => a.trimEnd() === b.trimEnd()]) {
    const found: number[] = [];
    for (let i = start; i + hunk.before.length <= lines.length; i++) {
      if (hunk.before.every((l, j) => same(lines[i + j] as string, l))) found.push(i);
    }
    if (found.length === 1) return found[0] as number;
    if (found.length > 1) {
      throw new ToolError(
        `${file}: a hunk matches at ${found.length} places (lines ${found
          .slice(0, 10)
          .map((i) => i + 1)
          .join(', ')}); add context lines or an @@ line to make it unique`,
      );
    }
  }
  throw new ToolError(
    `${file}: a hunk's context and removed lines were not found${hunk.anchor ? ` after "${hunk.anchor}"` : ''}; re-read the file and copy them exactly`,
  );
}

interface PlannedWrite {
  rel: string;
  abs: string;
  /** Undefined for a deletion. */
  content?: string;
  report: string;
}

/**
 * Changes several files in one call, all or nothing: every hunk is located (exactly, then ignoring
 * trailing whitespace, never ambiguously) before any file is written. Lines keep each file's own
 * line endings, and each updated region comes back with its line numbers.
 */
export const applyPatchTool: AgentTool = defineTool({
  name: 'apply_patch',
  description:
    'Add, update and delete several files in one call, all or nothing. Format:\n' +
    '*** Begin Patch\n*** Update File: src/a.ts\n@@ function greet(name) {\n   const x = 1;\n-  return x;\n+  return x + 1;\n' +
    '*** Add File: src/b.ts\n+export const b = 2;\n*** Delete File: src/old.ts\n*** End Patch\n' +
    'In hunks, " " marks a context line, "-" a removed one, "+" an added one; give about three context lines. An optional ' +
    '"@@ <line>" names a line (such as a function header) the hunk comes after. Matching ignores trailing whitespace if needed.',
  input: ApplyPatchInput,
  async run(input, ctx) {
    const ops = parsePatch(input.patch);
    const writes: PlannedWrite[] = [];
    const seen = new Set<string>();
    for (const op of ops) {
      const target = op.kind === 'add' ? await resolveForWrite(ctx.dir, op.path) : await resolveExisting(ctx.dir, op.path);
      if (op.kind !== 'add') await resolveForWrite(ctx.dir, op.path);
      if (seen.has(target.rel)) throw new ToolError(`${target.rel} appears twice in the patch; put all its hunks under one header`);
      seen.add(target.rel);
      if (op.kind === 'add') {
        const exists = await fs.lstat(target.abs).then(
          () => true,
          (err: NodeJS.ErrnoException) => {
            if (err.code === 'ENOENT') return false;
            throw err;
          },
        );
        if (exists) throw new ToolError(`${target.rel} already exists; use "*** Update File:" to change it`);
        writes.push({
          rel: target.rel,
          abs: target.abs,
          content: op.lines.map((l) => `${l}\n`).join(''),
          report: `added ${target.rel} (${op.lines.length} lines)`,
        });
        continue;
      }
      if (op.kind === 'delete') {
        if ((await fs.stat(target.abs)).isDirectory()) throw new ToolError(`${target.rel} is a directory`);
        writes.push({ rel: target.rel, abs: target.abs, report: `deleted ${target.rel}` });
        continue;
      }
      const buf = await fs.readFile(target.abs);
      if (looksBinary(buf)) throw new ToolError(`${target.rel} looks like a binary file; it cannot be patched as text`);
      const text = buf.toString('utf8');
      const eol = usesCrlf(text) ? '\r\n' : '\n';
      const endsWithNewline = text.endsWith('\n');
      const lines = text.replace(/\r\n/g, '\n').split('\n');
      if (endsWithNewline) lines.pop();
      let cursor = 0;
      const regions: { first: number; count: number }[] = [];
      for (const hunk of op.hunks) {
        const at = locate(lines, hunk, cursor, target.rel);
        lines.splice(at, hunk.before.length, ...hunk.after);
        regions.push({ first: at + 1, count: hunk.after.length });
        cursor = at + hunk.after.length;
      }
      const content = lines.join(eol) + (endsWithNewline ? eol : '');
      const shown = regions.map((r) => numberedLines(content, r.first - 2, r.first + Math.min(r.count, 40) + 1)).join('\n…\n');
      writes.push({ rel: target.rel, abs: target.abs, content, report: `updated ${target.rel} (${op.hunks.length} hunk(s)):\n${shown}` });
    }
    for (const write of writes) {
      if (write.content === undefined) await fs.rm(write.abs);
      else {
        await fs.mkdir(path.dirname(write.abs), { recursive: true });
        await fs.writeFile(write.abs, write.content, 'utf8');
      }
    }
    return writes.map((w) => w.report).join('\n\n');
  },
});
