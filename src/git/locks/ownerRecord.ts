import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import { z } from 'zod';

/**
 * Who holds a lock, a task worktree or a read-only view. Written to disk so another process can tell
 * a live holder from one that crashed and left its files behind.
 */
export const OwnerRecord = z.object({
  pid: z.number().int().positive(),
  host: z.string(),
  token: z.string().min(1),
  createdAt: z.number(),
});
export type OwnerRecord = z.infer<typeof OwnerRecord>;

/** Tokens of holders alive in this process; a record with our pid but an unknown token is a leftover. */
const liveTokens = new Set<string>();

export function newOwner(): OwnerRecord {
  const owner: OwnerRecord = { pid: process.pid, host: os.hostname(), token: randomUUID(), createdAt: Date.now() };
  liveTokens.add(owner.token);
  return owner;
}

export function retireOwner(owner: OwnerRecord): void {
  liveTokens.delete(owner.token);
}

export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the holder may still be using what it owns. Holders on another host (a shared network
 * workdir) cannot be checked, so they count as alive and are left to age-based cleanup.
 */
export function isOwnerAlive(owner: OwnerRecord): boolean {
  if (owner.host !== os.hostname()) return true;
  if (owner.pid === process.pid) return liveTokens.has(owner.token);
  return isPidAlive(owner.pid);
}

export async function writeOwner(file: string, owner: OwnerRecord): Promise<void> {
  // Write-then-rename so a reader never sees half a record.
  const tmp = `${file}.${owner.token}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(owner));
  await fs.rename(tmp, file);
}

/** The record in `file`, or undefined when it is missing or unreadable (a crash mid-write). */
export async function readOwner(file: string): Promise<OwnerRecord | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = OwnerRecord.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    // Not JSON: a torn write from a crashed holder, treated like no record.
    return undefined;
  }
}
