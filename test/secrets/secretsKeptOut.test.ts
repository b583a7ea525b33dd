import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { WorkerAgentRequest } from '../../src/agents/agentContracts';
import { ModelWorkerAgent } from '../../src/agents/workerAgent';
import { GitWorkspace } from '../../src/git/gitWorkspace';
import type { IntegrationResult } from '../../src/git/workspaceContract';
import { TranscriptStore } from '../../src/state/transcriptStore';
import { startFakeModelServer, type FakeModelServer } from '../support/fakeModelServer';
import { createSourceRepo, git, removeDir, tempDir } from '../support/gitFixtures';
import { ANTHROPIC_MODEL, call, fakeModels, lastToolResults, OPENAI_MODEL, scripted, testRun } from '../agents/agentHarness';

// Built at run time so the repository itself never holds anything shaped like a live credential.
const workerKey = ['sk', 'proj', 'kept0ut', 'x'.repeat(40)].join('-');
const wellKnown: Array<[string, string]> = [
  ['an AWS access key id', `AKIA${'QWERTYUIOPASDFGH'}`],
  ['a GitHub token', `ghp_${'a1B2'.repeat(9)}`],
  ['an Anthropic API key', ['sk', 'ant', 'api03', 'Z'.repeat(40)].join('-')],
  ['an OpenAI API key', ['sk', 'proj', 'Q7'.repeat(24)].join('-')],
  ['a private key block', ['-----BEGIN', 'OPENSSH PRIVATE KEY-----'].join(' ')],
];

let server: FakeModelServer;
let root: string;
let source: string;
let workspace: GitWorkspace;
let store: TranscriptStore;
const projectId = 'secrets';
const targetBranch = 'longhaul/secrets';

beforeAll(async () => {
  server = await startFakeModelServer();
  root = tempDir('secrets');
  source = createSourceRepo(path.join(root, 'source'), 2);
  workspace = new GitWorkspace({ workdir: path.join(root, 'work'), testTimeoutMs: 20_000 });
  store = new TranscriptStore({ stateDir: path.join(root, 'state') });
  await workspace.prepareCycle({ projectId, repo: source, targetBranch, cycle: 1 });
  process.env.FAKE_DEPLOY_API_KEY = workerKey;
});

afterAll(async () => {
  delete process.env.FAKE_DEPLOY_API_KEY;
  await server.close();
  removeDir(root);
});

beforeEach(() => {
  server.requests.length = 0;
});

function workerRequest(dir: string, taskId: string, model = OPENAI_MODEL): WorkerAgentRequest {
  return {
    projectId,
    cycle: 1,
    taskId,
    goal: 'Configure the deploy client.',
    task: { title: `Configure ${taskId}`, instructions: 'Add config.js.' },
    model,
    dir,
    steering: [],
  };
}

async function transcriptText(taskId: string): Promise<string> {
  return fs.readFile(store.pathOf(TranscriptStore.refFor({ projectId, cycle: 1, agentId: taskId })), 'utf8');
}

describe.each([
  ['openai', OPENAI_MODEL],
  ['anthropic', ANTHROPIC_MODEL],
])('a secret printed by a command (%s client)', (provider, model) => {
  test('is redacted in the tool result the model gets and in the transcript', async () => {
    const taskId = `print-${provider}`;
    const task = await workspace.openTask({ projectId, repo: source, targetBranch, cycle: 1, taskId, title: taskId });
    try {
      // The command's own environment holds no secret; a value copied into the repository does.
      await fs.writeFile(path.join(task.dir, 'leaked.env'), `DEPLOY_KEY=${workerKey}\n`);
      server.setResponder(
        scripted([
          call('run_command', { command: 'cat leaked.env; echo "env: ${FAKE_DEPLOY_API_KEY:-unset}"' }),
          call('finish_task', { summary: 'looked', outcome: 'done' }),
        ]),
      );
      const ref = TranscriptStore.refFor({ projectId, cycle: 1, agentId: taskId });
      await new ModelWorkerAgent({ models: fakeModels(server), transcripts: store }).work(
        workerRequest(task.dir, taskId, model),
        testRun(ref).ctx,
      );
      const [result] = lastToolResults(server.requests[1]);
      expect(result?.content).toContain('DEPLOY_KEY=[redacted: value of FAKE_DEPLOY_API_KEY]');
      expect(result?.content).toContain('env: unset');
      expect(JSON.stringify(server.requests.map((r) => r.body))).not.toContain(workerKey);
      const transcript = await transcriptText(taskId);
      expect(transcript).toContain('[redacted: value of FAKE_DEPLOY_API_KEY]');
      expect(transcript).not.toContain(workerKey);
    } finally {
      await task.dispose();
    }
  }, 30_000);
});

describe('a change that carries a credential', () => {
  test('is not landed, goes back to the worker with file and line, and lands once the worker took it out', async () => {
    const taskId = 'key-in-config';
    const before = git(source, 'rev-parse', targetBranch);
    const task = await workspace.openTask({ projectId, repo: source, targetBranch, cycle: 1, taskId, title: taskId });
    try {
      await fs.writeFile(path.join(task.dir, 'config.js'), `// deploy settings\nexports.key = '${workerKey}';\n`);
      server.setResponder(
        scripted([
          call('read_file', { path: 'config.js' }),
          // The model only ever saw the redacted line, so it rewrites the file rather than editing the value.
          call('write_file', { path: 'config.js', content: '// deploy settings\nexports.key = process.env.DEPLOY_KEY;\n' }),
          call('finish_task', { summary: 'The key now comes from the environment.', outcome: 'done' }),
        ]),
      );
      const agent = new ModelWorkerAgent({ models: fakeModels(server), transcripts: store });
      const ref = TranscriptStore.refFor({ projectId, cycle: 1, agentId: taskId });
      const sentBack: string[] = [];
      const result: IntegrationResult = await task.integrate({
        message: 'Configure the deploy client',
        resolveConflict: async () => false,
        removeSecrets: async (secrets) => {
          sentBack.push(secrets.details);
          // The landing has not happened: the target is where it was while the worker fixes the change.
          expect(git(source, 'rev-parse', targetBranch)).toBe(before);
          const fixed = await agent.removeSecrets({ ...workerRequest(task.dir, taskId), details: secrets.details }, testRun(ref).ctx);
          return fixed.result.outcome === 'done';
        },
      });
      expect(sentBack).toHaveLength(1);
      expect(sentBack[0]).toContain('config.js:2: the value of FAKE_DEPLOY_API_KEY');
      expect(sentBack[0]).not.toContain(workerKey);
      // The worker's kickoff names the place, never the value, and its reads are redacted too.
      expect(JSON.stringify(server.requests.map((r) => r.body))).not.toContain(workerKey);
      expect(result.status).toBe('integrated');
      expect(git(source, 'show', `${targetBranch}:config.js`)).toContain('process.env.DEPLOY_KEY');
      expect(git(source, 'log', '-p', `${before}..${targetBranch}`)).not.toContain(workerKey);
      expect(await transcriptText(taskId)).not.toContain(workerKey);
    } finally {
      await task.dispose();
    }
  }, 60_000);

  test.each(wellKnown)(
    'is refused when it holds %s, even one the worker does not know',
    async (kind, value) => {
      const taskId = `known-${kind.replace(/\W+/g, '-')}`;
      const before = git(source, 'rev-parse', targetBranch);
      const task = await workspace.openTask({ projectId, repo: source, targetBranch, cycle: 1, taskId, title: taskId });
      try {
        await fs.mkdir(path.join(task.dir, 'deploy'), { recursive: true });
        await fs.writeFile(path.join(task.dir, 'deploy', 'settings.txt'), `region = eu\n\ncredential = ${value}\n`);
        const result = await task.integrate({
          message: 'Add deploy settings',
          resolveConflict: async () => false,
          removeSecrets: async () => false,
        });
        expect(result.status).toBe('secrets_found');
        if (result.status !== 'secrets_found') return;
        expect(result.findings).toEqual([{ file: 'deploy/settings.txt', line: 3, kind }]);
        expect(result.details).not.toContain(value);
        expect(git(source, 'rev-parse', targetBranch)).toBe(before);
      } finally {
        await task.dispose();
      }
    },
    30_000,
  );

  test('is refused without a second chance when the worker claims a fix that is not one', async () => {
    const taskId = 'stubborn';
    const before = git(source, 'rev-parse', targetBranch);
    const task = await workspace.openTask({ projectId, repo: source, targetBranch, cycle: 1, taskId, title: taskId });
    try {
      await fs.writeFile(path.join(task.dir, 'token.txt'), `${wellKnown[1]?.[1]}\n`);
      let rounds = 0;
      const result = await task.integrate({
        message: 'Keep the token',
        resolveConflict: async () => false,
        removeSecrets: async () => {
          rounds++;
          return true;
        },
      });
      expect(result.status).toBe('secrets_found');
      expect(rounds).toBe(2);
      expect(git(source, 'rev-parse', targetBranch)).toBe(before);
    } finally {
      await task.dispose();
    }
  }, 30_000);
});
