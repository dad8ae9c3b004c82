// The shapes of a backup run that more than one backup route answers with (the users' and the
// shared drives' last backup), so that the two cannot drift apart.
import { z } from 'zod';

export const runStatus = z.enum(['queued', 'running', 'success', 'partial', 'failed']);

/** A source's newest run (dashboard.ts `LastRun`); null in the answer: never run. */
export const lastRunSchema = z.object({
  status: runStatus,
  queuedAt: z.string(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
});
