import type { Client } from '@temporalio/client';
import { missingSearchAttributes } from '../client/searchAttributeCheck';
import type { CliIo } from './cliContext';

/**
 * Whether to start a project with longhaul's search attributes. When the namespace lacks them (or
 * does not let us ask), the project still runs; the user is told how to register them.
 */
export async function searchAttributesAvailable(client: Client, io: CliIo): Promise<boolean> {
  try {
    const missing = await missingSearchAttributes(client);
    if (missing.length === 0) return true;
    io.stderr.write(
      `Note: namespace "${client.options.namespace}" lacks the search attributes ${missing.join(', ')}; the project runs without them ` +
        '(register them with `temporal operator search-attribute create --name LonghaulProject --type Keyword ...`, see docs/operator.md).\n',
    );
  } catch (err) {
    io.stderr.write(
      `Note: could not list the namespace's search attributes (${(err as Error).message}); starting the project without them.\n`,
    );
  }
  return false;
}
