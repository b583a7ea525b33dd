import { promises as fs } from 'fs';
import * as path from 'path';
import { editFileTool } from '../../src/agents/tools/editFile';
import { ToolError, type ToolContext } from '../../src/agents/tools/toolTypes';
import { TempDirs, writeTree } from './tempDirs';

const temps = new TempDirs();
afterAll(() => temps.cleanup());

let root: string;
let ctx: ToolContext;
const crlf = 'function greet(name) {\r\n  return "hi " + name;\r\n}\r\n\r\nmodule.exports = greet;\r\n';

beforeEach(async () => {
  root = await temps.make();
  ctx = { dir: root, signal: new AbortController().signal };
  await writeTree(root, {
    'greet.js': crlf,
    'spaces.py': 'def f():   \n    return 1  \n\ndef g():\n    return 1\n',
    'twice.txt': 'a\r\nb\r\na\r\nb\r\n',
  });
});

const read = (rel: string): Promise<string> => fs.readFile(path.join(root, rel), 'utf8');

describe('edit_file on real files', () => {
  test('a multi-line LF edit of a CRLF file succeeds and keeps CRLF', async () => {
    const out = await editFileTool.invoke(
      { path: 'greet.js', old_text: '  return "hi " + name;\n}', new_text: '  const greeting = "hello ";\n  return greeting + name;\n}' },
      ctx,
    );
    expect(await read('greet.js')).toBe(
      'function greet(name) {\r\n  const greeting = "hello ";\r\n  return greeting + name;\r\n}\r\n\r\nmodule.exports = greet;\r\n',
    );
    expect(out).toMatch(/edited greet\.js at line 2 \(matched ignoring line endings\)/);
    // The changed region comes back with line numbers, as read_file shows them.
    expect(out).toContain('1\tfunction greet(name) {\n2\t  const greeting = "hello ";\n3\t  return greeting + name;\n4\t}');
  });

  test('trailing whitespace in the file does not stop a whole-line match', async () => {
    const out = await editFileTool.invoke({ path: 'spaces.py', old_text: 'def f():\n    return 1\n', new_text: 'def f():\n    return 2\n' }, ctx);
    expect(out).toMatch(/matched ignoring trailing whitespace/);
    expect(await read('spaces.py')).toBe('def f():\n    return 2\n\ndef g():\n    return 1\n');
  });

  test('an exact match wins over tolerant ones, and an ambiguous tolerant match is refused', async () => {
    await expect(editFileTool.invoke({ path: 'twice.txt', old_text: 'a\nb', new_text: 'c' }, ctx)).rejects.toThrow(
      new ToolError(
        'old_text occurs 2 times in twice.txt (ignoring line endings; at lines 1, 3); include more surrounding text so it matches exactly once.',
      ),
    );
    expect(await read('twice.txt')).toBe('a\r\nb\r\na\r\nb\r\n');
    await editFileTool.invoke({ path: 'twice.txt', old_text: 'b\r\na', new_text: 'B\r\nA' }, ctx);
    expect(await read('twice.txt')).toBe('a\r\nB\r\nA\r\nb\r\n');
  });

  test('text that is not there at all is still refused with what was tried', async () => {
    await expect(editFileTool.invoke({ path: 'greet.js', old_text: 'return "bye"', new_text: 'x' }, ctx)).rejects.toThrow(
      /not found in greet\.js, not even ignoring line endings and trailing whitespace/,
    );
    expect(await read('greet.js')).toBe(crlf);
  });
});
