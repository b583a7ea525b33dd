import { existsSync, promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { readOnlyRunCommandTool } from '../../src/agents/tools/readOnlyRunCommand';
import { runCommandTool } from '../../src/agents/tools/runCommand';
import type { ToolContext } from '../../src/agents/tools/toolTypes';
import { GitWorkspace } from '../../src/git/gitWorkspace';
import type { ReadOnlyView, TaskWorktree } from '../../src/git/workspaceContract';
import { BubblewrapSandbox } from '../../src/sandbox/bubblewrapSandbox';
import { createSandboxes } from '../../src/sandbox/createSandboxes';
import { Sandboxes, type CommandPurpose } from '../../src/sandbox/sandboxes';
import { defaultSandboxSettings } from '../../src/schemas/sandbox';
import { cacheGitDir, createSourceRepo, git, removeDir, snapshotTree, tempDir } from '../support/gitFixtures';
import { withEmptyPath } from '../support/pathWithout';

/**
 * Each escape tried by a prompt-injected worker, run through `run_command` on a real task worktree,
 * with longhaul's caches, state folder and the user's checkout laid out as on a worker machine.
 */
describe('the command sandbox', () => {
  const projectId = 'sandbox';
  const targetBranch = 'longhaul/sandbox';
  const fakeKey = 'sk-sandbox-test-value-0123456789abcdef';
  let root: string;
  let source: string;
  let workdir: string;
  let stateDir: string;
  let home: string;
  let savedHome: string | undefined;
  let sandboxes: Sandboxes;
  let workspace: GitWorkspace;
  let task: TaskWorktree;
  let otherTask: TaskWorktree;
  let server: net.Server;
  let port: number;

  const run = async (command: string, purpose: CommandPurpose = 'commands'): Promise<string> => {
    const ctx: ToolContext = { dir: task.dir, signal: new AbortController().signal, sandboxing: sandboxes.for(purpose, undefined) };
    return runCommandTool.invoke({ command, timeout_seconds: 60 }, ctx);
  };

  beforeAll(async () => {
    root = tempDir('sandbox');
    source = createSourceRepo(path.join(root, 'user-checkout'), 3);
    workdir = path.join(root, 'work');
    stateDir = path.join(root, 'state');
    home = path.join(root, 'home');
    await fs.mkdir(path.join(stateDir, 'transcripts'), { recursive: true });
    await fs.writeFile(path.join(stateDir, 'transcripts', 'other.jsonl'), 'a transcript\n');
    await fs.mkdir(home, { recursive: true });
    await fs.writeFile(path.join(home, '.git-credentials'), 'https://user:hunter2@example.com\n');
    savedHome = process.env.HOME;
    process.env.HOME = home;
    process.env.FAKE_PROVIDER_API_KEY = fakeKey;
    sandboxes = createSandboxes({ hide: [workdir, stateDir] });
    workspace = new GitWorkspace({ workdir, sandboxes });
    await workspace.prepareCycle({ projectId, repo: source, targetBranch, cycle: 1 });
    task = await workspace.openTask({ projectId, repo: source, targetBranch, cycle: 1, taskId: 'attacker', title: 'attacker' });
    otherTask = await workspace.openTask({ projectId, repo: source, targetBranch, cycle: 1, taskId: 'victim', title: 'victim' });
    server = net.createServer((socket) => socket.end('hello from outside\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  }, 60_000);

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await task.dispose();
    await otherTask.dispose();
    process.env.HOME = savedHome;
    delete process.env.FAKE_PROVIDER_API_KEY;
    removeDir(root);
  });

  it('keeps writes outside the checkout inside the sandbox', async () => {
    const escaped = path.join(root, 'escaped.txt');
    const out = await run(
      `echo x > /tmp/longhaul-escape-${process.pid}; echo x > ${escaped}; echo x > "$HOME/planted"; ` +
        `echo x > /usr/planted 2>&1 || echo "usr refused"; echo x > ${otherTask.dir}/planted; echo inside > in-checkout.txt`,
    );
    expect(out).toMatch(/^exit code 0/);
    expect(out).toContain('usr refused');
    expect(existsSync(`/tmp/longhaul-escape-${process.pid}`)).toBe(false);
    expect(existsSync(escaped)).toBe(false);
    expect(existsSync(path.join(home, 'planted'))).toBe(false);
    expect(existsSync(path.join(otherTask.dir, 'planted'))).toBe(false);
    expect(await fs.readFile(path.join(task.dir, 'in-checkout.txt'), 'utf8')).toBe('inside\n');
  }, 30_000);

  it("cannot read the worker's environment through /proc", async () => {
    const out = await run(
      `ls /proc/${process.pid} 2>&1 | head -1; cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' > leaked-env.txt; ` +
        'grep -c FAKE_PROVIDER leaked-env.txt || true',
    );
    expect(out).toContain('No such file or directory');
    // Read outside the sandbox and unredacted: the value never got into the checkout.
    const leaked = await fs.readFile(path.join(task.dir, 'leaked-env.txt'), 'utf8');
    expect(leaked).not.toContain(fakeKey);
    expect(leaked).not.toContain('FAKE_PROVIDER_API_KEY');
  }, 30_000);

  it("does not see the home folder, longhaul's caches and state, other worktrees or the user's checkout", async () => {
    const out = await run(
      `cat "$HOME/.git-credentials" 2>&1; echo "home: $(ls -A "$HOME" | wc -l)"; ` +
        `echo "state: $(ls -A ${stateDir} | wc -l)"; echo "other: $(ls -A ${otherTask.dir} 2>/dev/null | wc -l)"; ` +
        `echo "user: $(ls -A ${source} | wc -l)"; echo "tasks: $(ls -A ${path.dirname(otherTask.dir)} | wc -l)"`,
    );
    expect(out).not.toContain('hunter2');
    expect(out).toContain('home: 0');
    expect(out).toContain('state: 0');
    expect(out).toContain('other: 0');
    expect(out).toContain('user: 0');
    // Only the mount point of the task's own checkout.
    expect(out).toContain('tasks: 1');
  }, 30_000);

  it('cannot push to origin, or point git anywhere else', async () => {
    const before = git(source, 'for-each-ref', '--format=%(refname)');
    const out = await run(
      'echo change >> README.md && git commit -qam "escape"; echo "commit: $?"; git push origin HEAD:refs/heads/escaped 2>&1; echo "push: $?"; ' +
        'git config core.hooksPath /tmp 2>&1; echo "config: $?"; echo "gitdir: /tmp/x" > .git 2>&1; echo "dotgit: $?"',
    );
    expect(out).toContain('commit: 0');
    expect(out).toMatch(/push: [1-9]/);
    expect(out).toMatch(/config: [1-9]/);
    expect(out).toMatch(/dotgit: [1-9]/);
    expect(git(source, 'for-each-ref', '--format=%(refname)')).toBe(before);
    expect(git(task.dir, 'config', '--get-regexp', '.*')).not.toContain('hookspath');
  }, 30_000);

  it('opens no network connection for commands; setup gets the network', async () => {
    const probe = `node -e "require('net').connect(${port}, '127.0.0.1').on('data', d => console.log('REACHED ' + d)).on('error', e => console.log('BLOCKED ' + e.code))"`;
    const blocked = await run(probe);
    expect(blocked).toContain('BLOCKED ECONNREFUSED');
    expect(blocked).not.toContain('REACHED');
    expect(await run(probe, 'setup')).toContain('REACHED hello from outside');
  }, 30_000);

  it('still does normal work: build, tests with a loopback server, git status, diff and commit', async () => {
    await fs.mkdir(path.join(task.dir, 'vendor', 'greet'), { recursive: true });
    await fs.writeFile(
      path.join(task.dir, 'vendor', 'greet', 'package.json'),
      JSON.stringify({ name: 'greet', version: '1.0.0', main: 'index.js' }),
    );
    await fs.writeFile(path.join(task.dir, 'vendor', 'greet', 'index.js'), 'module.exports = (name) => `hello ${name}`;\n');
    await fs.writeFile(
      path.join(task.dir, 'package.json'),
      JSON.stringify({
        name: 'app',
        version: '1.0.0',
        scripts: { build: 'node build.js', test: 'node test.js' },
        dependencies: { greet: 'file:vendor/greet' },
      }),
    );
    await fs.writeFile(path.join(task.dir, 'build.js'), "require('fs').writeFileSync('dist.txt', require('greet')('build'));\n");
    await fs.writeFile(
      path.join(task.dir, 'test.js'),
      "const http = require('http'); const greet = require('greet');\n" +
        "const server = http.createServer((q, s) => s.end(greet('test'))).listen(0, '127.0.0.1', () => {\n" +
        "  http.get({ host: '127.0.0.1', port: server.address().port }, (r) => { let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => { console.log('TEST ' + b); server.close(); }); });\n" +
        '});\n',
    );
    const out = await run(
      'npm install --offline --no-audit --no-fund --loglevel=error && npm run -s build && npm test -s && ' +
        'git status --porcelain | head -3 && git diff --stat | tail -1 && git add build.js && git commit -qm "Add build" && git log -1 --format=%s',
    );
    expect(out).toMatch(/^exit code 0/);
    expect(out).toContain('TEST hello test');
    expect(await fs.readFile(path.join(task.dir, 'dist.txt'), 'utf8')).toBe('hello build');
    expect(out).toContain('Add build');
    expect(git(task.dir, 'log', '-1', '--format=%s')).toBe('Add build');
  }, 120_000);

  it('refuses commands with a message naming the package when bubblewrap is missing', async () => {
    const missing = new Sandboxes(new BubblewrapSandbox({ hide: [], memoryMb: 1_024, maxProcesses: 256 }));
    const ctx: ToolContext = { dir: task.dir, signal: new AbortController().signal, sandboxing: missing.for('commands', undefined) };
    await withEmptyPath(async () => {
      await expect(runCommandTool.invoke({ command: 'echo ran > ran.txt' }, ctx)).rejects.toThrow(/install .*bubblewrap/);
    });
    expect(existsSync(path.join(task.dir, 'ran.txt'))).toBe(false);
  });

  it('runs unconfined only when the sandbox is turned off explicitly', async () => {
    const off = sandboxes.for('commands', { ...defaultSandboxSettings, enabled: false });
    expect(off.sandbox.kind).toBe('off');
    const ctx: ToolContext = { dir: task.dir, signal: new AbortController().signal, sandboxing: off };
    expect(await runCommandTool.invoke({ command: 'cat "$HOME/.git-credentials"' }, ctx)).toContain('hunter2');
  });

  it('limits the memory a command may use', async () => {
    const small = new Sandboxes(new BubblewrapSandbox({ hide: [], memoryMb: 256, maxProcesses: 4_096 }));
    const ctx: ToolContext = { dir: task.dir, signal: new AbortController().signal, sandboxing: small.for('commands', undefined) };
    const out = await runCommandTool.invoke({ command: `node -e "Buffer.alloc(512 * 1024 * 1024, 1); console.log('ALLOCATED')"` }, ctx);
    expect(out).not.toContain('ALLOCATED');
    expect(out).not.toMatch(/^exit code 0/);
  }, 30_000);
});

describe('the command sandbox on a plain clone', () => {
  let root: string;
  beforeAll(() => {
    root = tempDir('sandbox-clone');
    createSourceRepo(path.join(root, 'clone'), 1);
  });
  afterAll(() => removeDir(root));

  it('lets git commit but keeps the config and hooks, which run code later, read-only', async () => {
    const dir = path.join(root, 'clone');
    const ctx: ToolContext = { dir, signal: new AbortController().signal, sandboxing: createSandboxes().for('commands', undefined) };
    const out = await runCommandTool.invoke(
      {
        command:
          'echo more >> README.md && git commit -qam "More"; echo "commit: $?"; ' +
          'git config core.fsmonitor "touch /tmp/ran"; echo "config: $?"; echo evil > .git/hooks/pre-commit; echo "hook: $?"',
      },
      ctx,
    );
    expect(out).toContain('commit: 0');
    expect(out).toMatch(/config: [1-9]/);
    expect(out).toMatch(/hook: [1-9]/);
    expect(git(dir, 'log', '-1', '--format=%s')).toBe('More');
    expect(existsSync(path.join(dir, '.git', 'hooks', 'pre-commit'))).toBe(false);
  }, 30_000);
});

/**
 * The judge's commands on a view of the head, which planners share: whatever a command tries, the
 * view and the git metadata behind it stay byte for byte as they were.
 */
describe("the judge's read-only commands on a shared view", () => {
  let root: string;
  let workdir: string;
  let sandboxes: Sandboxes;
  let view: ReadOnlyView;
  let head: string;
  let server: net.Server;
  let port: number;

  const ctxFor = (sandboxing = sandboxes.readOnly(undefined), signal = new AbortController().signal): ToolContext => ({
    dir: view.dir,
    signal,
    ...(sandboxing ? { sandboxing } : {}),
  });
  const run = (command: string): Promise<string> => readOnlyRunCommandTool.invoke({ command, timeout_seconds: 60 }, ctxFor());

  beforeAll(async () => {
    root = tempDir('sandbox-view');
    const source = createSourceRepo(path.join(root, 'user-checkout'), 2);
    await fs.writeFile(path.join(source, '.gitignore'), 'node_modules/\n');
    await fs.writeFile(
      path.join(source, 'test.js'),
      "console.log(require('fs').readFileSync('README.md', 'utf8').includes('shared') ? 'TESTS PASS' : 'FAIL');\n",
    );
    git(source, 'add', '-A');
    git(source, 'commit', '-q', '-m', 'Add a test');
    head = git(source, 'rev-parse', 'HEAD');
    workdir = path.join(root, 'work');
    sandboxes = createSandboxes({ hide: [workdir] });
    const workspace = new GitWorkspace({ workdir, sandboxes });
    await workspace.prepareCycle({ projectId: 'view', repo: source, targetBranch: 'longhaul/view', cycle: 1 });
    view = await workspace.openReadOnlyView({ projectId: 'view', repo: source, commit: head });
    // A cache a test runner left in the view earlier (ignored, as installed dependencies are).
    await fs.mkdir(path.join(view.dir, 'node_modules', '.cache'), { recursive: true });
    await fs.writeFile(path.join(view.dir, 'node_modules', '.cache', 'old'), 'cached\n');
    server = net.createServer((socket) => socket.end('hello from outside\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  }, 60_000);

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await view.release();
    removeDir(root);
  });

  it("reads and runs the project's tests, and git can look around", async () => {
    const out = await run(
      'node test.js && head -1 README.md && git log -1 --format=%s && git status --porcelain | wc -l && git diff HEAD~1 --stat | tail -1',
    );
    expect(out).toMatch(/^exit code 0/);
    expect(out).toContain('TESTS PASS');
    expect(out).toContain('# fixture');
    expect(out).toContain('Add a test');
    expect(out).toMatch(/\n0\n/);
    expect(out).toMatch(/2 files changed/);
  }, 30_000);

  it('cannot change the view or its git metadata; writes elsewhere are thrown away', async () => {
    const tracked = path.join(view.dir, 'README.md');
    const before = { view: snapshotTree(view.dir), git: snapshotTree(cacheGitDir(workdir)), readme: await fs.readFile(tracked, 'utf8') };
    const out = await run(
      'echo changed > README.md; echo "write: $?"; rm -f test.js; echo "rm: $?"; touch new.txt; echo "new: $?"; ' +
        'git commit -q --allow-empty -m "judged"; echo "commit: $?"; git checkout -q HEAD~1; echo "checkout: $?"; ' +
        'git stash -q; echo "stash: $?"; echo "gitdir: /tmp/x" > .git; echo "dotgit: $?"; ' +
        'echo x > node_modules/.cache/new && ls node_modules/.cache; echo "cache: $?"; echo x > /tmp/scratch && echo "tmp: $?"',
    );
    for (const step of ['write', 'rm', 'new', 'commit', 'checkout', 'stash', 'dotgit']) expect(out).toMatch(new RegExp(`${step}: [1-9]`));
    expect(out).toContain('Read-only file system');
    expect(out).toContain('cache: 0');
    expect(out).toContain('tmp: 0');
    expect(snapshotTree(view.dir)).toBe(before.view);
    expect(snapshotTree(cacheGitDir(workdir))).toBe(before.git);
    expect(await fs.readFile(tracked, 'utf8')).toBe(before.readme);
    expect(git(view.dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(git(view.dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(await fs.readdir(path.join(view.dir, 'node_modules', '.cache'))).toEqual(['old']);
  }, 30_000);

  it('opens no network connection', async () => {
    const out = await run(
      `node -e "require('net').connect(${port}, '127.0.0.1').on('data', d => console.log('REACHED ' + d)).on('error', e => console.log('BLOCKED ' + e.code))"`,
    );
    expect(out).toContain('BLOCKED ECONNREFUSED');
    expect(out).not.toContain('REACHED');
  }, 30_000);

  it('stops a command when the review is cancelled', async () => {
    const controller = new AbortController();
    const pending = readOnlyRunCommandTool.invoke(
      { command: 'echo started; sleep 30' },
      ctxFor(sandboxes.readOnly(undefined), controller.signal),
    );
    setTimeout(() => controller.abort(), 500);
    expect(await pending).toMatch(/^cancelled/);
  }, 30_000);

  it('is not offered unconfined, and refuses a sandbox that would let it write', async () => {
    const off = { ...defaultSandboxSettings, enabled: false };
    expect(sandboxes.readOnly(off)).toBeUndefined();
    await expect(
      readOnlyRunCommandTool.invoke({ command: 'echo x > README.md' }, ctxFor(sandboxes.for('commands', undefined))),
    ).rejects.toThrow(/no read-only sandbox/);
    // Even asked directly, the unconfined backend will not pretend to keep a checkout unchanged.
    const unconfinedReadOnly = { ...sandboxes.for('commands', off), readOnly: true };
    await expect(readOnlyRunCommandTool.invoke({ command: 'echo x > README.md' }, ctxFor(unconfinedReadOnly))).rejects.toThrow(
      /need the sandbox, which is off/,
    );
    expect(git(view.dir, 'status', '--porcelain')).toBe('');
  }, 30_000);
});
