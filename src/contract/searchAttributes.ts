import { defineSearchAttributeKey } from '@temporalio/common';

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
