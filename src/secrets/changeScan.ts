import { credentialPatterns } from './credentialPatterns';
import { secretValues } from './secretNames';

/** One added line that carries a credential. The value itself is never kept, only what it is. */
export interface SecretFinding {
  file: string;
  line: number;
  /** `the value of OPENAI_API_KEY`, `an AWS access key id`, … */
  kind: string;
}

function kindOf(text: string, values: ReturnType<typeof secretValues>): string | undefined {
  const value = values.find((candidate) => text.includes(candidate.value));
  if (value) return `the value of ${value.name}`;
  return credentialPatterns.find((candidate) => candidate.pattern.test(text))?.kind;
}

/**
 * Finds credentials on the lines a change adds: values of the worker's secret variables and
 * well-known key formats. Reads a `git diff -U0` (no prefix options changed, paths unquoted);
 * binary files carry no lines and are not scanned.
 */
export function scanDiff(diff: string, env: NodeJS.ProcessEnv = process.env): SecretFinding[] {
  const values = secretValues(env);
  const findings: SecretFinding[] = [];
  let file: string | undefined;
  let line = 0;
  let inHunk = false;
  for (const text of diff.split('\n')) {
    if (text.startsWith('diff --git ')) {
      inHunk = false;
      file = undefined;
      continue;
    }
    if (!inHunk) {
      if (text.startsWith('+++ ')) file = text === '+++ /dev/null' ? undefined : text.slice(4).replace(/^b\//, '');
    }
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (hunk) {
      inHunk = true;
      line = Number(hunk[1]);
      continue;
    }
    if (!inHunk || file === undefined) continue;
    if (text.startsWith('+')) {
      const kind = kindOf(text.slice(1), values);
      if (kind !== undefined) findings.push({ file, line, kind });
      line++;
    } else if (text.startsWith(' ')) {
      line++;
    }
  }
  return findings;
}

/** What the worker is told: where each credential is and what it is, never the value. */
export function describeFindings(findings: SecretFinding[], max = 50): string {
  const listed = findings.slice(0, max).map((f) => `- ${f.file}:${f.line}: ${f.kind}`);
  if (findings.length > max) listed.push(`- … and ${findings.length - max} more`);
  return (
    `The change was not landed: it contains credentials, which must never be committed.\n${listed.join('\n')}\n\n` +
    'Remove them from these files (read configuration from the environment instead, or use an obviously fake ' +
    'placeholder in tests), and do not print or copy secret values anywhere in the working copy.'
  );
}
