import { promises as fs } from 'fs';
import * as path from 'path';
import { applyPatchTool } from '../../src/agents/tools/applyPatch';
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
    const out = await editFileTool.invoke(
      { path: 'spaces.py', old_text: 'def f():\n    return 1\n', new_text: 'def f():\n    return 2\n' },
      ctx,
    );
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

describe('apply_patch', () => {
  test('adds, updates (CRLF kept, trailing whitespace tolerated) and deletes files in one call', async () => {
    const out = await applyPatchTool.invoke(
      {
        patch: [
          '*** Begin Patch',
          '*** Update File: greet.js',
          '@@ function greet(name) {',
          '-  return "hi " + name;',
          '+  return "hello " + name;',
          ' }',
          '*** Update File: spaces.py',
          ' def f():',
          '-    return 1',
          '+    return 3',
          '*** Add File: notes/new.md',
          '+# New',
          '+text',
          '*** Delete File: twice.txt',
          '*** End Patch',
        ].join('\n'),
      },
      ctx,
    );
    expect(await read('greet.js')).toBe('function greet(name) {\r\n  return "hello " + name;\r\n}\r\n\r\nmodule.exports = greet;\r\n');
    expect(await read('spaces.py')).toBe('def f():\n    return 3\n\ndef g():\n    return 1\n');
    expect(await read('notes/new.md')).toBe('# New\ntext\n');
    await expect(fs.access(path.join(root, 'twice.txt'))).rejects.toThrow();
    expect(out).toContain('updated greet.js (1 hunk(s)):\n1\tfunction greet(name) {\n2\t  return "hello " + name;');
    expect(out).toContain('added notes/new.md (2 lines)');
  });

  test('changes nothing when any hunk fails, and says which', async () => {
    const patch = [
      '*** Begin Patch',
      '*** Add File: added.txt',
      '+x',
      '*** Update File: greet.js',
      '-  return "bye";',
      '+  return 1;',
      '*** End Patch',
    ].join('\n');
    await expect(applyPatchTool.invoke({ patch }, ctx)).rejects.toThrow(/greet\.js: a hunk's context and removed lines were not found/);
    await expect(fs.access(path.join(root, 'added.txt'))).rejects.toThrow();
    expect(await read('greet.js')).toBe(crlf);
  });

  test('refuses an ambiguous hunk and a malformed patch', async () => {
    const ambiguous = ['*** Begin Patch', '*** Update File: twice.txt', ' a', '-b', '+B', '*** End Patch'].join('\n');
    await expect(applyPatchTool.invoke({ patch: ambiguous }, ctx)).rejects.toThrow(/matches at 2 places \(lines 1, 3\)/);
    await expect(applyPatchTool.invoke({ patch: '*** Update File: greet.js\n-x\n' }, ctx)).rejects.toThrow(
      /must start with "\*\*\* Begin Patch"/,
    );
  });
});
