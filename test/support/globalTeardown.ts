import * as fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const shared = globalThis.longhaulTestServer;
  if (!shared) return;
  await shared.server?.stop();
  await shared.env?.teardown();
  fs.rmSync(shared.dir, { recursive: true, force: true });
}
