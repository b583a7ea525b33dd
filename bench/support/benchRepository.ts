import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The environment of the benches' own git and npm calls: a fixed identity, none of the caller's GIT_ settings. */
export const fixtureEnv: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('GIT_'))),
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'commit.gpgSign=false', ...args], { cwd, env: fixtureEnv, encoding: 'utf8' }).trim();
}

/** A repository of `files` modules in folders of 100, like a small project. */
export function createRepository(dir: string, files: number): void {
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  for (let index = 0; index < files; index++) {
    const folder = path.join(dir, `pkg${Math.floor(index / 100)}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, `mod${index}.ts`), `export const value${index} = ${index};\n`.repeat(20));
  }
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'initial');
}
