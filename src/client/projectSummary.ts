import type { ProjectInput } from '../schemas/projectInput';

/** Longest staticSummary the Web UI shows on one line. */
const summaryLength = 200;

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** The project's one-line summary in the Web UI: its goal, flagged when it asked to run without the sandbox. */
export function projectSummary(input: ProjectInput): string {
  const flag = input.sandbox?.enabled === false ? '[sandbox off] ' : '';
  return oneLine(`${flag}${input.goal}`, summaryLength);
}
