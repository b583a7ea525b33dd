import type { Client } from '@temporalio/client';
import { longhaulSearchAttributeDefinitions } from '../contract/searchAttributes';

/** The names of longhaul's search attributes that the namespace has not registered. */
export async function missingSearchAttributes(client: Client): Promise<string[]> {
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace: client.options.namespace });
  const known = new Set(Object.keys(customAttributes ?? {}));
  return longhaulSearchAttributeDefinitions.map((definition) => definition.split('=')[0]).filter((name) => !known.has(name));
}
