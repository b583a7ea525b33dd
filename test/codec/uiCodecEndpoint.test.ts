import * as fs from 'node:fs';
import { CliProcess, cliEnv, tempDir } from '../cli/cliHarness';
import { runInProcess } from '../cli/inProcessCli';
import { freePortPair } from '../support/freePorts';
import { readTestServerInfo } from '../support/testServerInfo';

test('the local dev server points its Web UI at the codec server from --ui-codec-endpoint or LONGHAUL_UI_CODEC_ENDPOINT', async () => {
  const port = await freePortPair();
  const stateDir = tempDir('ui-codec');
  const endpoint = 'http://127.0.0.1:18888';
  const env = cliEnv({
    LONGHAUL_STATE_DIR: stateDir,
    TEMPORAL_CLI_PATH: readTestServerInfo().cliPath,
    LONGHAUL_UI_CODEC_ENDPOINT: endpoint,
  });
  const server = new CliProcess(['dev-server', '--port', String(port)], env);
  try {
    await server.waitFor(/Ctrl-C stops it/, 90_000);
    expect(server.stdout).toContain(`Web UI http://localhost:${port + 1000} (codec server ${endpoint})`);
    // The Web UI tells the browser which codec server to call.
    const settings = (await (await fetch(`http://localhost:${port + 1000}/api/v1/settings`)).json()) as { Codec: { Endpoint: string } };
    expect(settings.Codec.Endpoint).toBe(endpoint);
    server.kill('SIGINT');
    expect((await server.exited).code).toBe(0);
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) server.kill('SIGKILL');
    await server.exited;
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
});

test('a codec endpoint that is not an http(s) URL is bad usage', async () => {
  const flag = await runInProcess(['dev-server', '--ui-codec-endpoint', 'localhost:8888']);
  expect(flag.code).toBe(2);
  expect(flag.stderr).toMatch(/expected an http\(s\) URL such as http:\/\/127\.0\.0\.1:8888/);
});
