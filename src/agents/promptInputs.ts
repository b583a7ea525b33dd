import { clip, type OutsideClaims } from '../schemas/task';

/** Helpers that turn typed inputs into the text filled into prompt templates, always bounded. */

export function bulletList(items: string[], whenEmpty: string, maxItems = 60): string {
  if (items.length === 0) return whenEmpty;
  const shown = items.slice(0, maxItems).map((item) => `- ${item}`);
  if (items.length > maxItems) shown.push(`- … and ${items.length - maxItems} more`);
  return shown.join('\n');
}

export function formatSteering(steering: string[]): string {
  return bulletList(
    steering.map((s) => clip(s.trim(), 4_000)),
    '(none)',
  );
}

export function formatTesting(testCommand: string | undefined): string {
  return testCommand
    ? `The project's test command is ${inlineCode(testCommand)}. Run it with run_command before you finish and make sure it passes; run it earlier too, to know where you start from.`
    : 'No test command is configured. Find out how the project is built and tested (package scripts, Makefile, CI configuration, README) and run what applies.';
}

/** One line of text, for places where a value is inserted inline. */
export function oneLine(text: string, max: number): string {
  return clip(text.replace(/\s+/g, ' ').trim(), max);
}

/** A fenced block that cannot be closed early by backticks inside the text. */
export function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}\n${text}\n${ticks}`;
}

/** An inline code span that stays intact whatever backticks the text holds. */
export function inlineCode(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  return longest === 0 ? `${ticks}${text}${ticks}` : `${ticks} ${text} ${ticks}`;
}

/** The note on a task whose change left its claims, for the planner and the judge; empty otherwise. */
export function formatOutsideClaims(outside: OutsideClaims | undefined): string {
  if (!outside) return '';
  const more = outside.total - outside.files.length;
  const files = outside.files.map((f) => inlineCode(oneLine(f, 300))).join(', ');
  return ` [its change left the paths its task declared: ${files}${more > 0 ? ` and ${more} more` : ''}]`;
}
