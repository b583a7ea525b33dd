import { createSandboxes } from '../../src/sandbox/createSandboxes';
import type { Sandboxes } from '../../src/sandbox/sandboxes';
import { defaultSandboxSettings } from '../../src/schemas/sandbox';

/**
 * Commands run unconfined, as a worker with the sandbox turned off does. For tests that count setup
 * and test runs in files outside the checkout, which the sandbox hides by design; what the sandbox
 * allows and refuses is tested in test/sandbox.
 */
export function unconfined(): Sandboxes {
  return createSandboxes({ settings: { ...defaultSandboxSettings, enabled: false } });
}
