/**
 * Cost of the evidence a judge and a planning step are given, on a cycle the size of a busy day: a
 * 1,000-file repository and 300 task commits on top of it (three files each, one of them a test),
 * plus one 20,000-line generated file. Prints the time of each part and the size of what the model
 * is shown; the test command is left out (it is the project's own cost).
 *
 *   npx ts-node --transpile-only bench/judgeEvidence.ts [--files 1000] [--commits 300]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildChangeExcerpt } from '../src/agents/changeExcerpt';
import { gatherJudgeEvidence } from '../src/agents/judgeEvidence';
import { detectTestTampering } from '../src/agents/testTamper';
import { GitWorkspace } from '../src/git/gitWorkspace';
import { buildCommitMessage } from '../src/git/integration/taskTrailer';
import { createSandboxes } from '../src/sandbox/createSandboxes';

const env: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('GIT_'))),
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'commit.gpgSign=false', ...args], { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).trim();
}

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
}

async function main(): Promise<void> {
  const files = option('files', 1_000);
  const commits = option('commits', 300);
  const root = mkdtempSync(path.join(os.tmpdir(), 'longhaul-bench-evidence-'));
  try {
    const repo = path.join(root, 'repo');
    mkdirSync(repo, { recursive: true });
    git(repo, 'init', '-q', '-b', 'main');
    const file = (i: number): string => `pkg${Math.floor(i / 100)}/mod${i}.ts`;
    for (let i = 0; i < files; i++) {
      mkdirSync(path.join(repo, path.dirname(file(i))), { recursive: true });
      writeFileSync(path.join(repo, file(i)), `export const value${i} = ${i};\n`.repeat(20));
    }
    mkdirSync(path.join(repo, 'test'));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'initial');
    const base = git(repo, 'rev-parse', 'HEAD');
    for (let c = 0; c < commits; c++) {
      for (const i of [(c * 3) % files, (c * 3 + 1) % files])
        writeFileSync(path.join(repo, file(i)), `export const value${i} = ${c};\n`.repeat(20));
      writeFileSync(path.join(repo, `test/task${c}.test.ts`), `it('task ${c}', () => {});\n`);
      git(repo, 'add', '-A');
      git(repo, 'commit', '-q', '-m', buildCommitMessage(`Task ${c}`, undefined, `c1.p0.r1.${c}`));
    }
    writeFileSync(path.join(repo, 'generated.json'), `${Array.from({ length: 20_000 }, (_, i) => `{"row": ${i}}`).join('\n')}\n`);
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', buildCommitMessage('Generated data', undefined, 'c1.p0.r2.1'));
    const head = git(repo, 'rev-parse', 'HEAD');
    const signal = new AbortController().signal;
    const range = { dir: repo, baseCommit: base, headCommit: head, signal };

    const workspace = new GitWorkspace({ workdir: path.join(root, 'work') });
    await workspace.openReadOnlyView({ projectId: 'bench', repo, commit: head }).then((view) => view.release());
    const landed = await timed(() => workspace.landedTaskCommits({ projectId: 'bench', repo, sinceCommit: base, untilCommit: head }));
    const excerpt = await timed(() => buildChangeExcerpt({ ...range, budgetChars: 40_000 }));
    const tamper = await timed(() => detectTestTampering({ ...range, testCommand: 'npm test' }));
    const all = await timed(() =>
      gatherJudgeEvidence({
        ...range,
        testTimeoutMs: 60_000,
        maxBaseRunMs: 0,
        diffBudgetChars: 40_000,
        sandboxing: createSandboxes().for('commands', undefined),
      }),
    );
    const shown = [all.value.diffStat, all.value.changeExcerpt, all.value.commitLog, all.value.tamperChecks].join('').length;
    console.log(`cycle: ${files} files, ${commits + 1} task commits, ${git(repo, 'diff', '--shortstat', base, head)}`);
    console.log(`landed task commits (planner): ${landed.value.commits.length} of ${landed.value.total} listed in ${landed.ms} ms`);
    console.log(`change excerpt: ${excerpt.ms} ms, ${excerpt.value.length} chars for a 40,000-char diff budget`);
    console.log(`tamper checks: ${tamper.ms} ms, ${tamper.value.length} flags`);
    console.log(`all judge evidence without the test command: ${all.ms} ms, ${shown} chars shown`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
