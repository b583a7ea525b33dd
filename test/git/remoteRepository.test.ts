import { existsSync, mkdirSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { GitFailureType } from '../../src/git/core/gitFailures';
import { defaultWorkdir, GitWorkspace } from '../../src/git/gitWorkspace';
import {
  cacheGitDir,
  createBareRemote,
  createSourceRepo,
  git,
  removeDir,
  runPool,
  taskTrailers,
  tempDir,
  taskWorktreeList,
} from '../support/gitFixtures';
import { failureOf } from '../support/failureOf';

describe('a remote repository reached through a file:// URL', () => {
  let root: string;
  let bare: string;
  let url: string;
  let workdir: string;
  const projectId = 'remote';
  const targetBranch = 'longhaul/remote';

  beforeAll(() => {
    root = tempDir('remote');
    const seed = createSourceRepo(path.join(root, 'seed'), 8);
    bare = path.join(root, 'remote.git');
    url = createBareRemote(seed, bare);
    workdir = path.join(root, 'work');
  });

  afterAll(() => removeDir(root));

  it('prepares, integrates concurrent tasks and serves read-only views like a local path', async () => {
    const workspaces = [new GitWorkspace({ workdir }), new GitWorkspace({ workdir })];
    const prepared = await workspaces[0].prepareCycle({ projectId, repo: url, targetBranch, cycle: 1 });
    expect(prepared).toEqual({ baseBranch: 'main', targetBranch, baseCommit: git(bare, 'rev-parse', 'main') });
    // A second prepare (another cycle, another worker) finds the branch and agrees.
    expect(await workspaces[1].prepareCycle({ projectId, repo: url, targetBranch, cycle: 2 })).toEqual(prepared);

    const baseView = await workspaces[1].openReadOnlyView({ projectId, repo: url, commit: prepared.baseCommit });
    const sharedView = await workspaces[0].openReadOnlyView({ projectId, repo: url, commit: prepared.baseCommit });
    expect(sharedView.dir).toBe(baseView.dir);

    let index = 0;
    await runPool(['r1', 'r2', 'r3', 'r4', 'r5', 'r6'], 6, async (taskId) => {
      const workspace = workspaces[index++ % 2];
      const task = await workspace.openTask({ projectId, repo: url, targetBranch, cycle: 1, taskId, title: taskId });
      await fs.writeFile(path.join(task.dir, `${taskId}.txt`), `${taskId}\n`);
      expect((await task.integrate({ message: `Add ${taskId}`, resolveConflict: async () => false })).status).toBe('integrated');
      await task.dispose();
    });
    expect(taskTrailers(bare, targetBranch).sort()).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    const head = await workspaces[0].targetHead({ projectId, repo: url, targetBranch });
    expect(head).toBe(git(bare, 'rev-parse', targetBranch));

    // The base view still shows the cycle's starting point; a view of the head shows the work.
    expect(existsSync(path.join(baseView.dir, 'r1.txt'))).toBe(false);
    expect(await fs.readFile(path.join(baseView.dir, 'README.md'), 'utf8')).toBe('# fixture\n\nshared line\n');
    const headView = await workspaces[1].openReadOnlyView({ projectId, repo: url, commit: head });
    expect(await fs.readFile(path.join(headView.dir, 'r6.txt'), 'utf8')).toBe('r6\n');
    expect(git(headView.dir, 'rev-parse', 'HEAD')).toBe(head);
    await Promise.all([baseView.release(), sharedView.release(), headView.release(), headView.release()]);

    // Idle views are swept; nothing of the tasks remains either.
    await new GitWorkspace({ workdir, viewIdleMs: 0 }).sweepNow(url);
    expect(taskWorktreeList(cacheGitDir(workdir))).toEqual([]);
    expect(git(bare, 'rev-parse', 'main')).toBe(prepared.baseCommit);
  }, 40_000);

  it('rejects an unknown commit for a view without retrying', async () => {
    const failure = await failureOf(new GitWorkspace({ workdir }).openReadOnlyView({ projectId, repo: url, commit: 'deadbeef'.repeat(5) }));
    expect(failure.type).toBe(GitFailureType.unknownCommit);
    expect(failure.nonRetryable).toBe(true);
  }, 20_000);
});

describe('repositories that cannot be used', () => {
  let root: string;

  beforeAll(() => {
    root = tempDir('badrepo');
  });

  afterAll(() => removeDir(root));

  const prepare = (repo: string, extra: { baseBranch?: string } = {}) =>
    new GitWorkspace({ workdir: path.join(root, 'work') }).prepareCycle({
      projectId: 'bad',
      repo,
      targetBranch: 'longhaul/bad',
      cycle: 1,
      ...extra,
    });

  it.each([
    ['a path that does not exist', () => path.join(root, 'missing')],
    ['a directory that is not a repository', () => (mkdirSync(path.join(root, 'plain'), { recursive: true }), path.join(root, 'plain'))],
    ['a file:// URL to nothing', () => `file://${path.join(root, 'nothing.git')}`],
  ])(
    'fails fast on %s',
    async (_, repo) => {
      const failure = await failureOf(prepare(repo()));
      expect(failure.type).toBe(GitFailureType.badRepository);
      expect(failure.nonRetryable).toBe(true);
    },
    20_000,
  );

  it('fails fast on a missing base branch and on a malformed request', async () => {
    const source = createSourceRepo(path.join(root, 'source'), 2);
    const missingBase = await failureOf(prepare(source, { baseBranch: 'no-such-branch' }));
    expect(missingBase.type).toBe(GitFailureType.missingBaseBranch);
    expect(missingBase.nonRetryable).toBe(true);
    expect(missingBase.message).toContain('no-such-branch');

    const malformed = await failureOf(
      new GitWorkspace({ workdir: path.join(root, 'work') }).openTask({
        projectId: 'bad',
        repo: source,
        targetBranch: 'bad..branch',
        cycle: 1,
        taskId: 't',
        title: 't',
      }),
    );
    expect(malformed.type).toBe(GitFailureType.invalidRequest);
    expect(malformed.nonRetryable).toBe(true);
  }, 20_000);

  it('needs the base branch only to create the target', async () => {
    const source = createSourceRepo(path.join(root, 'detached'), 2);
    const workspace = new GitWorkspace({ workdir: path.join(root, 'work') });
    const request = { projectId: 'bad', repo: source, targetBranch: 'longhaul/detached', cycle: 1 };
    const first = await workspace.prepareCycle(request);
    expect(first.baseBranch).toBe('main');
    // The user detaches HEAD mid-project (say, to bisect): later cycles carry on.
    git(source, 'checkout', '-q', '--detach');
    expect(await workspace.prepareCycle({ ...request, cycle: 2 })).toEqual({ ...first, baseBranch: 'HEAD' });
    const fresh = await failureOf(workspace.prepareCycle({ ...request, targetBranch: 'longhaul/fresh' }));
    expect(fresh.type).toBe(GitFailureType.missingBaseBranch);
    expect(fresh.message).toContain('no current branch');
  }, 20_000);

  it('keeps its caches where the environment says', () => {
    expect(defaultWorkdir({ LONGHAUL_WORKDIR: '/srv/longhaul' })).toBe('/srv/longhaul');
    expect(defaultWorkdir({ XDG_CACHE_HOME: '/var/cache/me' })).toBe('/var/cache/me/longhaul');
    expect(defaultWorkdir({})).toMatch(/\/\.cache\/longhaul$/);
  });
});
