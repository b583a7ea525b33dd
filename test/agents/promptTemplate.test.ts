import * as path from 'path';
import { defaultPromptsDir, parsePromptFile, PromptError, PromptLibrary, renderTemplate } from '../../src/agents/promptTemplate';

const file = ['---', 'version: demo-2026-11-28.1', '---', 'System for {{who}}.', '<!-- kickoff -->', 'Do {{what}} for {{ who }}.', ''].join(
  '\n',
);

describe('prompt templates', () => {
  test('parses the version, the system prompt and the kickoff', () => {
    const t = parsePromptFile('demo', file);
    expect(t).toEqual({ name: 'demo', version: 'demo-2026-11-28.1', system: 'System for {{who}}.', kickoff: 'Do {{what}} for {{ who }}.' });
  });

  test('fills placeholders in one pass', () => {
    const r = renderTemplate(parsePromptFile('demo', file), { who: 'a {{what}} fan', what: 'it' });
    expect(r).toEqual({ version: 'demo-2026-11-28.1', system: 'System for a {{what}} fan.', kickoff: 'Do it for a {{what}} fan.' });
  });

  test('a missing or an unused value is an error', () => {
    const t = parsePromptFile('demo', file);
    expect(() => renderTemplate(t, { who: 'x' })).toThrow(/no value for what/);
    expect(() => renderTemplate(t, { who: 'x', what: 'y', extra: 'z' })).toThrow(/unused value\(s\) extra/);
  });

  test('a file without version or kickoff marker is refused', () => {
    expect(() => parsePromptFile('x', 'no front matter')).toThrow(PromptError);
    expect(() => parsePromptFile('x', '---\nname: x\n---\nbody\n<!-- kickoff -->\nk')).toThrow(/version/);
    expect(() => parsePromptFile('x', '---\nversion: x-1\n---\nbody only')).toThrow(/kickoff/);
  });

  test('the package prompts are found from the source tree and from a build output folder', () => {
    const dir = defaultPromptsDir();
    expect(dir).toBe(path.resolve(__dirname, '../../prompts'));
    expect(defaultPromptsDir(path.resolve(__dirname, '../../dist/agents'))).toBe(dir);
  });

  test.each(['planner', 'worker', 'conflict', 'judge'])('the %s prompt loads with a dated version', (name) => {
    const t = new PromptLibrary().load(name);
    expect(t.version).toMatch(new RegExp(`^${name}-\\d{4}-\\d{2}-\\d{2}\\.\\d+$`));
    expect(t.system.length).toBeGreaterThan(500);
    expect(t.kickoff).toMatch(/\{\{\s*goal\s*\}\}/);
  });
});
