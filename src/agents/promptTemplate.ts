import { existsSync, readFileSync } from 'fs';
import * as path from 'path';

/** A prompt file: front matter with its version, the system prompt, and the opening user message. */
export interface PromptTemplate {
  name: string;
  version: string;
  system: string;
  kickoff: string;
}

export interface RenderedPrompt {
  version: string;
  system: string;
  kickoff: string;
}

/** Separates the system prompt from the opening user message; invisible when the file is rendered. */
export const KICKOFF_MARKER = '<!-- kickoff -->';
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export class PromptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromptError';
  }
}

export function parsePromptFile(name: string, text: string): PromptTemplate {
  const normalised = text.replace(/\r\n/g, '\n');
  const front = /^---\n([\s\S]*?)\n---\n/.exec(normalised);
  if (!front) throw new PromptError(`prompt ${name}: missing front matter (--- version: ... ---)`);
  const fields = new Map<string, string>();
  for (const line of (front[1] ?? '').split('\n')) {
    const match = /^([A-Za-z_]+):\s*(.*)$/.exec(line.trim());
    if (match) fields.set(match[1] as string, (match[2] as string).trim());
  }
  const version = fields.get('version');
  if (!version || /\s/.test(version)) throw new PromptError(`prompt ${name}: front matter needs a one-word version`);
  const body = normalised.slice(front[0].length);
  const parts = body.split(`\n${KICKOFF_MARKER}\n`);
  if (parts.length !== 2) throw new PromptError(`prompt ${name}: needs exactly one line "${KICKOFF_MARKER}"`);
  return { name, version, system: (parts[0] as string).trim(), kickoff: (parts[1] as string).trim() };
}

function placeholdersOf(text: string): Set<string> {
  return new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1] as string));
}

/**
 * Fills `{{name}}` placeholders in one pass, so text inside a value is never expanded again. Template and
 * inputs must agree exactly: a placeholder without a value, or a value no placeholder uses, is an error.
 */
export function renderTemplate(template: PromptTemplate, vars: Readonly<Record<string, string>>): RenderedPrompt {
  const wanted = new Set([...placeholdersOf(template.system), ...placeholdersOf(template.kickoff)]);
  const missing = [...wanted].filter((v) => !Object.prototype.hasOwnProperty.call(vars, v));
  if (missing.length > 0) throw new PromptError(`prompt ${template.name}: no value for ${missing.join(', ')}`);
  const unused = Object.keys(vars).filter((v) => !wanted.has(v));
  if (unused.length > 0) throw new PromptError(`prompt ${template.name}: unused value(s) ${unused.join(', ')}`);
  const fill = (text: string): string => text.replace(PLACEHOLDER, (_all, v: string) => vars[v] as string);
  return { version: template.version, system: fill(template.system), kickoff: fill(template.kickoff) };
}

/**
 * The package's `prompts/` directory, found by walking up from this file: the same lookup works from
 * `src/agents` (ts-node, tests) and from `dist/agents` (built package).
 */
export function defaultPromptsDir(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'prompts'))) {
      return path.join(dir, 'prompts');
    }
    if (path.dirname(dir) === dir) throw new PromptError(`no prompts directory found above ${from}`);
  }
}

/** Loads prompt files once and renders them from typed inputs. */
export class PromptLibrary {
  private readonly cache = new Map<string, PromptTemplate>();

  constructor(readonly dir: string = defaultPromptsDir()) {}

  load(name: string): PromptTemplate {
    const cached = this.cache.get(name);
    if (cached) return cached;
    const template = parsePromptFile(name, readFileSync(path.join(this.dir, `${name}.md`), 'utf8'));
    this.cache.set(name, template);
    return template;
  }

  render<K extends string>(name: string, vars: Readonly<Record<K, string>>): RenderedPrompt {
    return renderTemplate(this.load(name), vars);
  }
}
