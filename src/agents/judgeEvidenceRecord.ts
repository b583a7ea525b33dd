import { promises as fs } from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { TestCounts } from '../schemas/testCounts';
import type { TranscriptStore } from '../state/transcriptStore';

/**
 * What the harness established before the judge began (the test outcome, counts, tamper flags), kept
 * beside the transcript. A resumed review replays its conversation instead of gathering evidence
 * again, and still needs to know whether the tests failed to hold `done` back.
 */
export const JudgeEvidenceRecord = z.object({
  /** Absent when there is no test command. */
  testsPassed: z.boolean().optional(),
  /** Why `done` cannot be accepted: set when the test command failed at the head. */
  testFailure: z.string().optional(),
  testCounts: TestCounts.optional(),
  tamperFlags: z.array(z.string()),
});
export type JudgeEvidenceRecord = z.infer<typeof JudgeEvidenceRecord>;

function fileFor(transcripts: TranscriptStore, transcriptRef: string): string {
  return transcripts.pathOf(`${transcriptRef.replace(/\.jsonl$/, '')}.evidence.json`);
}

export async function saveEvidenceRecord(transcripts: TranscriptStore, transcriptRef: string, record: JudgeEvidenceRecord): Promise<void> {
  const file = fileFor(transcripts, transcriptRef);
  await fs.mkdir(path.dirname(file), { recursive: true });
  // Written whole, then renamed, so a crash never leaves half a record.
  await fs.writeFile(`${file}.tmp`, JSON.stringify(record));
  await fs.rename(`${file}.tmp`, file);
}

/** The record an earlier attempt of this review left, if any. */
export async function loadEvidenceRecord(transcripts: TranscriptStore, transcriptRef: string): Promise<JudgeEvidenceRecord | undefined> {
  let text: string;
  try {
    text = await fs.readFile(fileFor(transcripts, transcriptRef), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return JudgeEvidenceRecord.parse(JSON.parse(text));
}
