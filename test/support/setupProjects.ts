import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { git } from './gitFixtures';

/**
 * Real projects with dependencies, built by the test without the network. Each setup command appends
 * a line to `counter` on every run, so a test can count the setups that happened.
 */
export interface SetupProject {
  /** A non-bare repository on `main`: the user's checkout, without installed dependencies. */
  repo: string;
  setupCommand: string;
  testCommand: string;
  /** Lines in the counter file: how many times setup ran. */
  setupRuns(): number;
}

function counterReader(counter: string): () => number {
  return () => {
    try {
      return readFileSync(counter, 'utf8')
        .split('\n')
        .filter((line) => line.trim().length > 0).length;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
  };
}

/**
 * A Node project whose `npm test` runs a test runner (`tiny-check`) that only an installed dependency
 * provides, packed with `npm pack` into the repository so `npm ci --offline` installs it.
 */
export function createNodeProject(dir: string, counter: string): SetupProject {
  const dep = path.join(dir, 'tiny-check');
  mkdirSync(path.join(dep, 'bin'), { recursive: true });
  writeFileSync(
    path.join(dep, 'package.json'),
    JSON.stringify({ name: 'tiny-check', version: '1.0.0', bin: { 'tiny-check': 'bin/tiny-check.js' } }),
  );
  writeFileSync(
    path.join(dep, 'bin', 'tiny-check.js'),
    [
      '#!/usr/bin/env node',
      "const fs = require('fs'); const path = require('path');",
      "const files = fs.readdirSync('test').filter((f) => f.endsWith('.test.js'));",
      'let failed = 0;',
      "for (const f of files) { try { require(path.resolve('test', f)); console.log('ok ' + f); } catch (e) { failed++; console.log('not ok ' + f + ': ' + e.message); } }",
      'process.exit(failed > 0 ? 1 : 0);',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  const repo = path.join(dir, 'node-project');
  mkdirSync(path.join(repo, 'vendor'), { recursive: true });
  mkdirSync(path.join(repo, 'test'), { recursive: true });
  const packed = execFileSync('npm', ['pack', '--silent', dep], { cwd: dir, encoding: 'utf8' }).trim().split('\n').pop() as string;
  renameSync(path.join(dir, packed), path.join(repo, 'vendor', packed));
  writeFileSync(
    path.join(repo, 'package.json'),
    `${JSON.stringify(
      {
        name: 'node-project',
        version: '1.0.0',
        private: true,
        scripts: { test: 'tiny-check' },
        devDependencies: { 'tiny-check': `file:vendor/${packed}` },
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(path.join(repo, '.gitignore'), 'node_modules/\n');
  writeFileSync(path.join(repo, 'sum.js'), 'module.exports = (a, b) => a + b;\n');
  writeFileSync(
    path.join(repo, 'test', 'sum.test.js'),
    "const assert = require('assert');\nassert.strictEqual(require('../sum')(2, 3), 5);\n",
  );
  // The lock file `npm ci` needs, made once here as a developer would.
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--silent'], { cwd: repo, stdio: 'ignore' });
  git(dir, 'init', '-q', '-b', 'main', repo);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'node project');
  return {
    repo,
    setupCommand: `echo setup >> '${counter}' && npm ci --offline --no-audit --no-fund --silent`,
    testCommand: 'npm test',
    setupRuns: counterReader(counter),
  };
}

/**
 * A Python project whose setup makes a `.venv` (which the repository does not ignore) with an
 * editable install of the project: `.pth` and `egg-link` files naming the checkout, `*.egg-info/` in
 * `src/`. The venv borrows the machine's setuptools (`--system-site-packages`), so no index is needed.
 * Its test checks that `calc` is imported from the checkout it runs in, not from another one.
 */
export function createPythonProject(dir: string, counter: string): SetupProject {
  const repo = path.join(dir, 'python-project');
  mkdirSync(path.join(repo, 'src', 'calc'), { recursive: true });
  mkdirSync(path.join(repo, 'tests'), { recursive: true });
  writeFileSync(path.join(repo, 'setup.py'), 'from setuptools import setup\n\nsetup()\n');
  writeFileSync(
    path.join(repo, 'setup.cfg'),
    '[metadata]\nname = calc\nversion = 0.1.0\n\n[options]\npackage_dir =\n    =src\npackages = find:\n\n[options.packages.find]\nwhere = src\n',
  );
  writeFileSync(path.join(repo, 'src', 'calc', '__init__.py'), 'def add(a, b):\n    return a + b\n');
  writeFileSync(
    path.join(repo, 'tests', 'test_calc.py'),
    [
      'import os',
      'import unittest',
      '',
      'import calc',
      '',
      '',
      'class CalcTest(unittest.TestCase):',
      '    def test_add(self):',
      '        self.assertEqual(calc.add(2, 3), 5)',
      '',
      '    def test_imported_from_this_checkout(self):',
      '        self.assertTrue(os.path.realpath(calc.__file__).startswith(os.path.realpath(os.getcwd()) + os.sep), calc.__file__)',
      '',
    ].join('\n'),
  );
  git(dir, 'init', '-q', '-b', 'main', repo);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'python project');
  return {
    repo,
    setupCommand: `echo setup >> '${counter}' && python3 -m venv --system-site-packages --without-pip .venv && .venv/bin/python setup.py -q develop`,
    testCommand: '.venv/bin/python -m unittest discover -s tests',
    setupRuns: counterReader(counter),
  };
}
