import { defineSearchAttributeKey, type SearchAttributePair } from '@temporalio/common';
import type { WorkflowKind } from './roles';

/**
 * Search attributes longhaul sets so runs can be filtered in the Web UI. Their names are part of the
 * public contract: users save queries on them.
 */
export const longhaulProjectKey = defineSearchAttributeKey('LonghaulProject', 'KEYWORD');
export const longhaulRoleKey = defineSearchAttributeKey('LonghaulRole', 'KEYWORD');
export const longhaulCycleKey = defineSearchAttributeKey('LonghaulCycle', 'INT');
export const longhaulPhaseKey = defineSearchAttributeKey('LonghaulPhase', 'KEYWORD');

/** `Name=Type` pairs as `temporal server start-dev --search-attribute` and the operator CLI take them. */
export const longhaulSearchAttributeDefinitions = [
  'LonghaulProject=Keyword',
  'LonghaulRole=Keyword',
  'LonghaulCycle=Int',
  'LonghaulPhase=Keyword',
] as const;

/**
 * Search attributes for a workflow longhaul starts, so a user can filter one project's runs in the
 * Web UI. Only when the namespace knows them: an unknown attribute would fail the workflow task.
 */
export function startAttributes(
  enabled: boolean,
  projectId: string,
  role: WorkflowKind,
  cycle?: number,
): SearchAttributePair[] | undefined {
  if (!enabled) return undefined;
  const pairs: SearchAttributePair[] = [
    { key: longhaulProjectKey, value: projectId },
    { key: longhaulRoleKey, value: role },
  ];
  if (cycle !== undefined) pairs.push({ key: longhaulCycleKey, value: cycle });
  return pairs;
}
