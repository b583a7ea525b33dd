import { freePort } from '../../src/devServer/startDevServer';

/** A gRPC port whose Web UI port (1000 above) is free too, as the local dev server needs both. */
export function freePortPair(): Promise<number> {
  return freePort(1_000);
}
