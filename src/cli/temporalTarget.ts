import type { LonghaulConfig } from '../config/longhaulConfig';
import { devServerPort, ensureLocalDevServer, uiCodecEndpoint } from './localDevServer';

/** The Temporal server a command talks to. */
export interface TemporalTarget {
  address: string;
  namespace: string;
  /** True when it is the local dev server longhaul manages (no server configured). */
  embedded: boolean;
  /** Base URL of the Web UI, when known (`LONGHAUL_UI_URL`, or the embedded server's). */
  uiBaseUrl?: string;
}

/**
 * The configured server, or (with none configured) the local dev server, started on first use.
 * `note` receives progress messages meant for stderr.
 */
export async function resolveTemporalTarget(
  config: LonghaulConfig,
  env: NodeJS.ProcessEnv,
  note: (message: string) => void,
): Promise<TemporalTarget> {
  const uiOverride = env.LONGHAUL_UI_URL?.trim() || undefined;
  const namespace = config.temporal.namespace;
  if (config.temporal.address) return { address: config.temporal.address, namespace, embedded: false, uiBaseUrl: uiOverride };
  const server = await ensureLocalDevServer({
    stateDir: config.stateDir,
    port: devServerPort(env),
    namespace,
    env,
    onStarting: note,
    uiCodecEndpoint: uiCodecEndpoint(env),
  });
  if (server.started)
    note(`Local Temporal dev server ready; it keeps running after this command (stop it with: kill $(cat ${server.pidFile})).`);
  return { address: server.address, namespace, embedded: true, uiBaseUrl: uiOverride ?? server.uiUrl };
}

/** Link to a workflow in the Web UI, or undefined when the UI's address is not known. */
export function workflowUiUrl(target: TemporalTarget, workflowId: string): string | undefined {
  if (!target.uiBaseUrl) return undefined;
  return `${target.uiBaseUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(target.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
