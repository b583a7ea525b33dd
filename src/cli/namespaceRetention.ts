import type { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';

/** Thirty days: long enough that a finished run can still be read after a weekend or a holiday. */
export const localRetentionHours = 720;

/**
 * Raises the namespace's retention to at least `hours`. The dev server keeps closed workflows for 24 h
 * by default, which would drop a finished run overnight. Returns true when it changed anything.
 */
export async function ensureRetention(connection: Connection, namespace: string, hours: number = localRetentionHours): Promise<boolean> {
  const wanted = hours * 3600;
  const described = await connection.workflowService.describeNamespace({ namespace });
  const current = Number(described.config?.workflowExecutionRetentionTtl?.seconds?.toString() ?? '0');
  if (current >= wanted) return false;
  await connection.workflowService.updateNamespace({ namespace, config: { workflowExecutionRetentionTtl: msToTs(`${hours} hours`) } });
  return true;
}

/** The namespace's retention in hours, as the server reports it. */
export async function retentionHours(connection: Connection, namespace: string): Promise<number> {
  const described = await connection.workflowService.describeNamespace({ namespace });
  return Number(described.config?.workflowExecutionRetentionTtl?.seconds?.toString() ?? '0') / 3600;
}
