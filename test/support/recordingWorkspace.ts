import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LandedTaskCommits, OpenTaskRequest, PreparedCycle, TaskWorktree, Workspace } from '../../src/git/workspaceContract';

/**
 * A stand-in for the git workspace in orchestration tests that are about Temporal, not git: every
 * "integration" is a counter, so tests can check that each task landed exactly once. Tests of git
 * behaviour use the real workspace.
 */
export class RecordingWorkspace implements Workspace {
  readonly integrations = new Map<string, number>();
  private head = 'c0';
  private commits = 0;
  private readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'longhaul-recording-'));

  async prepareCycle(req: { targetBranch: string; baseBranch?: string }): Promise<PreparedCycle> {
    return { baseBranch: req.baseBranch ?? 'main', targetBranch: req.targetBranch, baseCommit: this.head };
  }

  async openReadOnlyView(): Promise<{ dir: string; release(): Promise<void> }> {
    return { dir: this.root, release: async () => undefined };
  }

  async targetHead(): Promise<string> {
    return this.head;
  }

  /** Its commits carry no files, so planners here are told of none. */
  async landedTaskCommits(): Promise<LandedTaskCommits> {
    return { commits: [], total: 0 };
  }

  async openTask(req: OpenTaskRequest): Promise<TaskWorktree> {
    const dir = fs.mkdtempSync(path.join(this.root, `${req.taskId}-`));
    const landed = (this.integrations.get(req.taskId) ?? 0) > 0;
    return {
      dir,
      branch: `longhaul/${req.projectId}/c${req.cycle}/${req.taskId}`,
      integratedCommit: landed ? `commit-${req.taskId}` : undefined,
      // Every worktree starts empty here, so whatever it holds is the change.
      changedFiles: async () => listFiles(dir),
      integrate: async () => {
        this.integrations.set(req.taskId, (this.integrations.get(req.taskId) ?? 0) + 1);
        this.head = `c${++this.commits}`;
        return { status: 'integrated', commit: `commit-${req.taskId}` };
      },
      // Orchestration tests run without a test command, so nothing goes through the merge queue.
      submit: async () => {
        throw new Error('the recording workspace has no merge queue');
      },
      rebaseOnTarget: async () => {
        throw new Error('the recording workspace has no merge queue');
      },
      recordLanded: () => undefined,
      disposeSoon: () => {
        throw new Error('the recording workspace has no merge queue to park tasks in');
      },
      dispose: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
}

function listFiles(dir: string, prefix = ''): string[] {
  return fs
    .readdirSync(path.join(dir, prefix), { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? listFiles(dir, `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`]))
    .sort();
}
