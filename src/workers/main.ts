import { loadConfig } from '../config/longhaulConfig';
import { runWorkers } from './runWorkers';
import { parseWorkerRoles } from '../contract/roles';

/**
 * `npm run worker [-- --role work]`: runs longhaul's workers against TEMPORAL_ADDRESS (default
 * localhost:7233) and TEMPORAL_NAMESPACE.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const roleIndex = args.findIndex((a) => a === '--role' || a.startsWith('--role='));
  const roleValue = roleIndex < 0 ? undefined : args[roleIndex].includes('=') ? args[roleIndex].split('=')[1] : args[roleIndex + 1];
  const config = loadConfig();
  await runWorkers({ config, address: config.temporal.address ?? 'localhost:7233', roles: parseWorkerRoles(roleValue) });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
