import { promises as fs } from 'fs';
import * as path from 'path';
import { editFileTool } from '../../src/agents/tools/editFile';
import { listFilesTool } from '../../src/agents/tools/listFiles';
import { readFileTool } from '../../src/agents/tools/readFile';
import { runCommandTool } from '../../src/agents/tools/runCommand';
import { searchTool } from '../../src/agents/tools/search';
import { finishTaskTool, submitPlanTool, submitVerdictTool } from '../../src/agents/tools/terminalTools';
import { readOnlyTools, toToolSpec, workerTools } from '../../src/agents/tools/toolSets';
import { ToolError, type AgentTool, type ToolContext } from '../../src/agents/tools/toolTypes';
import { writeFileTool } from '../../src/agents/tools/writeFile';
import { createSandboxes } from '../../src/sandbox/createSandboxes';
import { TempDirs, writeTree } from './tempDirs';

const temps = new TempDirs();
afterAll(() => temps.cleanup());

let root: string;
let outside: string;
let ctx: ToolContext;

beforeEach(async () => {
  root = await temps.make();
  outside = await temps.make('longhaul-outside-');
  ctx = { dir: root, signal: new AbortController().signal, sandboxing: createSandboxes().for('commands', undefined) };
  await writeTree(root, {
    'README.md': '# demo\nhello world\n',
    'src/a.ts': 'export const a = 1;\nexport const b = 2;\n',
    'src/nested/deep.ts': 'const needle = "x";\n',
    '.gitignore': 'dist/\n*.log\n',
    'dist/out.js': 'const needle = "built";\n',
    'debug.log': 'needle in a log\n',
  });
  await writeTree(outside, { 'secret.txt': 'needle outside\n' });
});

async function toolError(tool: AgentTool, args: unknown): Promise<string> {
  try {
    const out = await tool.invoke(args, ctx);
    throw new Error(`expected a ToolError, got: ${out}`);
  } catch (err) {
    if (!(err instanceof ToolError)) throw err;
    return err.message;
  }
}

describe('path confinement', () => {
  const escapes: Array<[string, () => string]> = [
    ['a parent escape', () => '../x'],
    ['a nested parent escape', () => 'src/../../x'],
    ['an absolute path', () => '/etc/passwd'],
    ['an absolute path inside the root', () => path.join(root, 'README.md')],
  ];

  test.each(escapes)('read_file refuses %s', async (_label, p) => {
    expect(await toolError(readFileTool, { path: p() })).toMatch(/absolute paths are not allowed|escapes the working directory/);
  });

  test.each(escapes)('write_file refuses %s', async (_label, p) => {
    expect(await toolError(writeFileTool, { path: p(), content: 'x' })).toMatch(
      /absolute paths are not allowed|escapes the working directory/,
    );
  });

  test.each(escapes)('list_files, search and edit_file refuse %s', async (_label, p) => {
    expect(await toolError(listFilesTool, { path: p() })).toMatch(/absolute|escapes/);
    expect(await toolError(searchTool, { pattern: 'needle', path: p() })).toMatch(/absolute|escapes/);
    expect(await toolError(editFileTool, { path: p(), old_text: 'a', new_text: 'b' })).toMatch(/absolute|escapes/);
  });

  test('a symlinked file pointing outside is refused for reading, editing and writing', async () => {
    await fs.symlink(path.join(outside, 'secret.txt'), path.join(root, 'link.txt'));
    expect(await toolError(readFileTool, { path: 'link.txt' })).toMatch(/outside the working directory/);
    expect(await toolError(editFileTool, { path: 'link.txt', old_text: 'needle', new_text: 'x' })).toMatch(/outside/);
    expect(await toolError(writeFileTool, { path: 'link.txt', content: 'overwritten' })).toMatch(/outside/);
    expect(await fs.readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe('needle outside\n');
  });

  test('a symlinked directory pointing outside is refused, also as the parent of a new file', async () => {
    await fs.symlink(outside, path.join(root, 'out'));
    expect(await toolError(writeFileTool, { path: 'out/new.txt', content: 'x' })).toMatch(/outside/);
    expect(await toolError(writeFileTool, { path: 'out/deeper/new.txt', content: 'x' })).toMatch(/outside/);
    expect(await toolError(listFilesTool, { path: 'out' })).toMatch(/outside/);
    expect(await toolError(searchTool, { pattern: 'needle', path: 'out' })).toMatch(/outside/);
    await expect(fs.access(path.join(outside, 'new.txt'))).rejects.toThrow();
    await expect(fs.access(path.join(outside, 'deeper'))).rejects.toThrow();
  });

  test('a dangling symlink cannot be used to create a file outside', async () => {
    await fs.symlink(path.join(outside, 'created-by-link.txt'), path.join(root, 'dangling'));
    expect(await toolError(writeFileTool, { path: 'dangling', content: 'x' })).toMatch(/symlink to a missing target/);
    await expect(fs.access(path.join(outside, 'created-by-link.txt'))).rejects.toThrow();
  });

  test('symlinks that stay inside are followed', async () => {
    await fs.symlink(path.join(root, 'src', 'a.ts'), path.join(root, 'alias.ts'));
    expect(await readFileTool.invoke({ path: 'alias.ts' }, ctx)).toContain('export const a = 1;');
  });

  test('writing inside .git is refused', async () => {
    expect(await toolError(writeFileTool, { path: '.git/config', content: 'x' })).toMatch(/inside \.git/);
  });

  test('the search walk does not follow symlinks out of the tree', async () => {
    await fs.symlink(outside, path.join(root, 'out'));
    await fs.symlink(path.join(outside, 'secret.txt'), path.join(root, 'link.txt'));
    const out = await searchTool.invoke({ pattern: 'needle' }, ctx);
    expect(out).not.toContain('outside');
  });
});

describe('list_files', () => {
  test('lists the tree honouring .gitignore and skipping .git', async () => {
    await writeTree(root, { '.git/HEAD': 'ref: refs/heads/main\n' });
    const out = await listFilesTool.invoke({}, ctx);
    expect(out.split('\n')).toEqual(['.: 4 file(s)', '.gitignore', 'README.md', 'src/a.ts', 'src/nested/deep.ts']);
  });

  test('lists a subdirectory', async () => {
    const out = await listFilesTool.invoke({ path: 'src/nested' }, ctx);
    expect(out).toBe('src/nested: 1 file(s)\nsrc/nested/deep.ts');
  });

  test('honours nested .gitignore files, including re-inclusion', async () => {
    await writeTree(root, {
      'pkg/.gitignore': 'generated/\n!keep.log\n',
      'pkg/generated/x.ts': 'x',
      'pkg/keep.log': 'kept',
      'pkg/drop.log': 'dropped',
    });
    const out = await listFilesTool.invoke({ path: 'pkg' }, ctx);
    expect(out).toContain('pkg/keep.log');
    expect(out).not.toContain('drop.log');
    expect(out).not.toContain('generated');
  });

  test('summarises large trees per directory', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 450; i++) many[`big/f${i}.txt`] = 'x';
    await writeTree(root, many);
    const out = await listFilesTool.invoke({}, ctx);
    expect(out).toMatch(/too many to list/);
    expect(out).toContain('big/ (450 files)');
    expect(out).toContain('src/ (2 files)');
  });

  test('a file path is an error', async () => {
    expect(await toolError(listFilesTool, { path: 'README.md' })).toMatch(/is a file/);
  });
});

describe('read_file', () => {
  test('returns numbered lines with a header', async () => {
    expect(await readFileTool.invoke({ path: 'src/a.ts' }, ctx)).toBe(
      'src/a.ts (lines 1-2 of 2)\n1\texport const a = 1;\n2\texport const b = 2;',
    );
  });

  test('pages with offset and limit', async () => {
    await writeTree(root, { 'long.txt': Array.from({ length: 1000 }, (_, i) => `line ${i + 1}`).join('\n') });
    const first = await readFileTool.invoke({ path: 'long.txt' }, ctx);
    expect(first).toMatch(/^long.txt \(lines 1-400 of 1000\)/);
    expect(first).toMatch(/continue with offset 401$/);
    const window = await readFileTool.invoke({ path: 'long.txt', offset: 998, limit: 10 }, ctx);
    expect(window).toBe('long.txt (lines 998-1000 of 1000)\n998\tline 998\n999\tline 999\n1000\tline 1000');
  });

  test('caps the output of very long lines', async () => {
    await writeTree(root, { 'wide.txt': Array.from({ length: 100 }, () => 'y'.repeat(5000)).join('\n') });
    const out = await readFileTool.invoke({ path: 'wide.txt' }, ctx);
    expect(out.length).toBeLessThan(32_000);
    expect(out).toContain('[line truncated]');
    expect(out).toMatch(/continue with offset \d+$/);
  });

  test('reports missing files, directories, binary files and bad offsets as tool errors', async () => {
    await fs.writeFile(path.join(root, 'bin.dat'), Buffer.from([1, 2, 0, 3]));
    expect(await toolError(readFileTool, { path: 'nope.ts' })).toMatch(/no such file/);
    expect(await toolError(readFileTool, { path: 'src' })).toMatch(/is a directory/);
    expect(await toolError(readFileTool, { path: 'bin.dat' })).toMatch(/binary/);
    expect(await toolError(readFileTool, { path: 'src/a.ts', offset: 10 })).toMatch(/past the end/);
    expect(await toolError(readFileTool, { path: 'src/a.ts', offset: 0 })).toMatch(/invalid arguments/);
    expect(await toolError(readFileTool, {})).toMatch(/invalid arguments[\s\S]*path/);
  });
});

describe('search', () => {
  test('finds matches honouring .gitignore', async () => {
    const out = await searchTool.invoke({ pattern: 'needle' }, ctx);
    expect(out).toContain('src/nested/deep.ts:1: const needle = "x";');
    expect(out).not.toContain('dist/');
    expect(out).not.toContain('debug.log');
  });

  test('searches a subdirectory or a single file with a regex', async () => {
    expect(await searchTool.invoke({ pattern: 'const [ab] =', path: 'src/a.ts' }, ctx)).toContain('src/a.ts:2: export const b = 2;');
    expect(await searchTool.invoke({ pattern: 'needle', path: 'src/nested' }, ctx)).toContain('src/nested/deep.ts:1');
    expect(await searchTool.invoke({ pattern: 'absent-word' }, ctx)).toMatch(/^no matches/);
  });

  test('caps the number of matches', async () => {
    await writeTree(root, { 'many.txt': Array.from({ length: 500 }, () => 'hit').join('\n') });
    const out = await searchTool.invoke({ pattern: '^hit$' }, ctx);
    expect(out.split('\n').filter((l) => l.startsWith('many.txt:'))).toHaveLength(200);
    expect(out).toMatch(/stopped at 200 matches/);
  });

  test('an invalid regex is a tool error', async () => {
    expect(await toolError(searchTool, { pattern: '(' })).toMatch(/invalid regular expression/);
  });
});

describe('write_file', () => {
  test('creates files and parent directories, and overwrites', async () => {
    expect(await writeFileTool.invoke({ path: 'new/dir/file.txt', content: 'one\ntwo\n' }, ctx)).toMatch(/^created new\/dir\/file.txt/);
    expect(await fs.readFile(path.join(root, 'new/dir/file.txt'), 'utf8')).toBe('one\ntwo\n');
    expect(await writeFileTool.invoke({ path: 'new/dir/file.txt', content: 'three' }, ctx)).toMatch(/^overwrote/);
    expect(await fs.readFile(path.join(root, 'new/dir/file.txt'), 'utf8')).toBe('three');
  });

  test('refuses to replace a directory', async () => {
    expect(await toolError(writeFileTool, { path: 'src', content: 'x' })).toMatch(/is a directory/);
  });
});

describe('edit_file', () => {
  test('replaces a unique exact match', async () => {
    expect(await editFileTool.invoke({ path: 'src/a.ts', old_text: 'b = 2', new_text: 'b = 3' }, ctx)).toMatch(/line 2/);
    expect(await fs.readFile(path.join(root, 'src/a.ts'), 'utf8')).toBe('export const a = 1;\nexport const b = 3;\n');
  });

  test('refuses when there is no match, and leaves the file alone', async () => {
    expect(await toolError(editFileTool, { path: 'src/a.ts', old_text: 'c = 3', new_text: 'x' })).toMatch(/not found/);
    expect(await fs.readFile(path.join(root, 'src/a.ts'), 'utf8')).toBe('export const a = 1;\nexport const b = 2;\n');
  });

  test('refuses when the match is not unique, naming the lines', async () => {
    expect(await toolError(editFileTool, { path: 'src/a.ts', old_text: 'export const', new_text: 'x' })).toMatch(
      /occurs 2 times.*lines 1, 2/,
    );
    expect(await fs.readFile(path.join(root, 'src/a.ts'), 'utf8')).toBe('export const a = 1;\nexport const b = 2;\n');
  });

  test('refuses an empty old_text and a missing file', async () => {
    expect(await toolError(editFileTool, { path: 'src/a.ts', old_text: '', new_text: 'x' })).toMatch(/invalid arguments/);
    expect(await toolError(editFileTool, { path: 'missing.ts', old_text: 'a', new_text: 'b' })).toMatch(/no such file/);
  });

  test('treats replacement text literally', async () => {
    await editFileTool.invoke({ path: 'src/a.ts', old_text: 'a = 1', new_text: "a = '$&$1'" }, ctx);
    expect(await fs.readFile(path.join(root, 'src/a.ts'), 'utf8')).toContain("export const a = '$&$1';");
  });
});

describe('run_command', () => {
  test('runs in the working directory and reports the exit code and output', async () => {
    const out = await runCommandTool.invoke({ command: 'cat README.md; echo oops >&2; exit 3' }, ctx);
    expect(out).toMatch(/^exit code 3/);
    expect(out).toContain('hello world');
    expect(out).toContain('oops');
  });

  test('hides credentials from the environment', async () => {
    process.env.FAKE_PROVIDER_API_KEY = 'sk-should-not-leak';
    try {
      const out = await runCommandTool.invoke({ command: 'env' }, ctx);
      expect(out).not.toContain('sk-should-not-leak');
      expect(out).toContain('CI=1');
    } finally {
      delete process.env.FAKE_PROVIDER_API_KEY;
    }
  });

  test('kills the whole process group at the time limit', async () => {
    const marker = path.join(root, 'survived');
    const started = Date.now();
    const out = await runCommandTool.invoke({ command: `(sleep 3; touch ${marker}) & sleep 30`, timeout_seconds: 1 }, ctx);
    expect(out).toMatch(/^timed out after 1s/);
    expect(Date.now() - started).toBeLessThan(6_000);
    await new Promise((r) => setTimeout(r, 3_500));
    await expect(fs.access(marker)).rejects.toThrow();
  }, 15_000);

  test('stops background processes left behind when the command exits', async () => {
    const marker = path.join(root, 'orphan');
    const out = await runCommandTool.invoke({ command: `(sleep 2; touch ${marker}) & echo started` }, ctx);
    expect(out).toMatch(/^exit code 0/);
    await new Promise((r) => setTimeout(r, 2_500));
    await expect(fs.access(marker)).rejects.toThrow();
  }, 10_000);

  test('caps long output, keeping its start and end', async () => {
    const out = await runCommandTool.invoke({ command: 'echo FIRST; seq 1 200000; echo LAST' }, ctx);
    expect(out.length).toBeLessThan(12_000);
    expect(out).toContain('FIRST');
    expect(out).toMatch(/LAST\n?$/);
    expect(out).toContain('characters cut here; to see the cut part, rerun with the output narrowed');
  });

  test('honours the abort signal', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = Date.now();
    const out = await runCommandTool.invoke({ command: 'sleep 30' }, { ...ctx, signal: controller.signal });
    expect(out).toMatch(/^cancelled/);
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 10_000);
});

describe('terminal tools', () => {
  const task = { title: 'Add parser', instructions: 'Write src/parser.ts', files: ['src/parser.ts'] };

  test('submit_plan accepts a valid plan and applies the role rules', () => {
    const tool = submitPlanTool({ canSpawnSubplanners: false });
    expect(tool.accept({ summary: 's', tasks: [task], subplanners: [], done: false }).tasks).toHaveLength(1);
    expect(() => tool.accept({ summary: 's', tasks: [task], subplanners: [{ area: 'a', goal: 'g' }], done: false })).toThrow(
      /cannot spawn sub-planners/,
    );
    expect(() => tool.accept({ summary: 's', tasks: [task], subplanners: [], done: true })).toThrow(/must be empty/);
    expect(() =>
      tool.accept({ summary: 's', tasks: [task, { ...task, title: 'Other', files: ['./src/parser.ts'] }], subplanners: [], done: false }),
    ).toThrow(/claims overlap.*"Other" claims `src\/parser.ts`, which overlaps `src\/parser.ts` of "Add parser" in this plan/);
    expect(() => tool.accept({ summary: 's', tasks: [{ title: '' }], done: false })).toThrow(ToolError);
  });

  test('submit_plan requires every task to claim paths, inside the repository', () => {
    const tool = submitPlanTool({ canSpawnSubplanners: false });
    const plan = (files?: string[]) => ({ summary: 's', tasks: [{ ...task, files }], subplanners: [], done: false });
    expect(() => tool.accept(plan(undefined))).toThrow(/invalid arguments[\s\S]*files/);
    expect(() => tool.accept(plan([]))).toThrow(/invalid arguments[\s\S]*files/);
    expect(() => tool.accept(plan(['../outside.ts']))).toThrow(/task "Add parser": "..\/outside.ts" contains ".."/);
    expect(() => tool.accept(plan(['/etc/hosts']))).toThrow(/is absolute/);
    // A folder and a file under it overlap; a folder does not cover a sibling sharing its prefix.
    expect(() =>
      tool.accept({
        summary: 's',
        tasks: [
          { ...task, files: ['src/'] },
          { ...task, title: 'B', files: ['src//lexer.ts'] },
        ],
        subplanners: [],
        done: false,
      }),
    ).toThrow(/"B" claims `src\/lexer.ts`, which overlaps `src\/` of "Add parser"/);
    expect(
      tool.accept({
        summary: 's',
        tasks: [
          { ...task, files: ['src/'] },
          { ...task, title: 'B', files: ['src2/lexer.ts'] },
        ],
        subplanners: [],
        done: false,
      }).tasks,
    ).toHaveLength(2);
  });

  test('submit_plan refuses a task overlapping one queued or running elsewhere in the tree, naming it, unless it waits', () => {
    const holders = [
      { taskId: 'c1.0.1.r1.2', plannerId: 'p/planner/ui', area: 'ui', state: 'running' as const, claims: ['src/'] },
      { taskId: 'c1.0.r2.1', plannerId: 'p/planner', area: 'whole project', state: 'queued' as const, claims: ['docs/guide.md'] },
    ];
    const tool = submitPlanTool({ canSpawnSubplanners: false, claims: holders });
    const plan = (extra: object = {}, files = ['src/parser.ts']) => ({
      summary: 's',
      tasks: [{ ...task, files, ...extra }],
      subplanners: [],
      done: false,
    });
    expect(() => tool.accept(plan())).toThrow(
      /"Add parser" claims `src\/parser.ts`, which overlaps `src\/` held by task c1.0.1.r1.2 \(running, area "ui"\).*waitForClaims: true/,
    );
    expect(() => tool.accept(plan({}, ['docs/']))).toThrow(/held by task c1.0.r2.1 \(queued, area "whole project"\)/);
    expect(tool.accept(plan({ waitForClaims: true })).tasks[0]).toMatchObject({ waitForClaims: true });
    expect(tool.accept(plan({}, ['lib/parser.ts'])).tasks).toHaveLength(1);
    // Cancelling the queued holder in the same step frees its claim.
    expect(tool.accept({ ...plan({}, ['docs/']), cancel: ['c1.0.r2.1'] }).tasks).toHaveLength(1);
  });

  test('finish_task and submit_verdict validate their results', () => {
    expect(finishTaskTool.accept({ summary: 'did it', outcome: 'done' })).toEqual({ summary: 'did it', outcome: 'done' });
    expect(() => finishTaskTool.accept({ summary: 'x', outcome: 'maybe' })).toThrow(/invalid arguments/);
    const verdictTool = submitVerdictTool({ doneRefusal: () => undefined });
    expect(verdictTool.accept({ verdict: 'done', reasons: 'tests pass' }).verdict).toBe('done');
    expect(() => verdictTool.accept({ verdict: 'continue', reasons: 'not yet' })).toThrow(/next_focus/);
  });

  test('submit_verdict refuses done once while the tests fail, then records continue', () => {
    const tool = submitVerdictTool({ doneRefusal: () => 'the test command fails at the head' });
    expect(() => tool.accept({ verdict: 'done', reasons: 'All there.' })).toThrow(/"done" is refused: the test command fails at the head/);
    expect(tool.accept({ verdict: 'abandon', reasons: 'Impossible.' }).verdict).toBe('abandon');
    expect(tool.accept({ verdict: 'done', reasons: 'All there.' })).toEqual({
      verdict: 'continue',
      reasons: 'The harness refused "done": the test command fails at the head. The judge\'s reasons for "done": All there.',
      next_focus: 'Make the test command pass.',
    });
  });

  test('tool specs carry JSON Schema for every tool', () => {
    const specs = [...workerTools(), submitPlanTool({ canSpawnSubplanners: true })].map(toToolSpec);
    expect(specs.map((s) => s.name)).toEqual([
      'list_files',
      'read_file',
      'search',
      'write_file',
      'edit_file',
      'apply_patch',
      'run_command',
      'submit_plan',
    ]);
    for (const spec of specs) {
      expect(spec.inputSchema.type).toBe('object');
      expect(spec.inputSchema.$schema).toBeUndefined();
    }
    expect(readOnlyTools().map((t) => t.name)).toEqual(['list_files', 'read_file', 'search']);
  });
});
