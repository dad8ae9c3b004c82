// Names and shapes shared by the backup engine, its job queue side and its API — kept free of
// the Google client so the API module (and the web app's OpenAPI generation) does not pull it in.
import { z } from 'zod';

export type BackupService = 'gmail' | 'drive' | 'calendar' | 'contacts';
export const backupServices: readonly BackupService[] = ['gmail', 'drive', 'calendar', 'contacts'];
export type RunStatus = 'queued' | 'running' | 'success' | 'partial' | 'failed';

export interface BackupSubject {
  kind: 'user' | 'shared_drive';
  /** Google user id or shared drive id. */
  id: string;
  /** The user's primary email (for a shared drive: a member to impersonate). */
  email: string;
}

export interface EnqueuedRun {
  runId: string;
  sourceId: string;
  subject: BackupSubject;
  service: BackupService;
}

/** A run that ended failed or partial, as the backup job tells `BackupEvents.runEnded`. */
export interface EndedRun {
  runId: string;
  customerId: string;
  subjectEmail: string;
  service: BackupService;
  status: 'failed' | 'partial';
  error: string | null;
}

/**
 * What the backup job tells the rest of the service when a run ends badly (partner webhooks:
 * backup.failed, backup.partial). The composition root (runtime.ts) passes the integrations
 * module's function in, so backup does not import it.
 */
export interface BackupEvents {
  runEnded(run: EndedRun): Promise<void>;
  /** Every run that ended (success, partial or failed), after `runEnded` (alerts evaluated at once). */
  runFinished?(run: FinishedRun): Promise<void>;
}

/** A run that ended, whatever its outcome, as the backup job tells `BackupEvents.runFinished`. */
export interface FinishedRun {
  runId: string;
  customerId: string;
  status: 'success' | 'failed' | 'partial';
}

export interface RunResult {
  runId: string;
  sourceId: string;
  status: RunStatus;
  error: string | null;
  /** Set when another run of the source holds its lease (the run stays queued): until when. */
  busyUntil?: Date;
}

export const BACKUP_JOB = 'backup.source';
export const ON_DEMAND_PRIORITY = 10;
export const SCHEDULED_PRIORITY = 0;
export const backupJobPayload = z.object({ runId: z.uuid() });

/** A run whose worker died: closed by the next claim of its source or by the stale-run sweep. */
export const INTERRUPTED_REASON = 'interrupted: the worker stopped before the run ended';
