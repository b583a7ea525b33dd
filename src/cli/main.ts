#!/usr/bin/env node
import { runCli } from './program';

/** The `longhaul` command. Exit codes are listed in `longhaul --help` and docs/operator.md. */
runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }).then(
  // Exit explicitly: the Temporal runtime and connections may hold handles after a command is done.
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`longhaul: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
