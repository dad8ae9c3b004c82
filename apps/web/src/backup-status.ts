// What the consoles say about a backup: the state of one service of one user or shared drive
// (the badge beside its last backup time: success, partial, failed, running, never) and, when a
// "Back up now" ends, what became of its runs.

/** The services backed up per user, in the order the consoles list them. */
export const backupServices = [
  { key: 'gmail', label: 'Mail' },
  { key: 'drive', label: 'Drive' },
  { key: 'calendar', label: 'Calendar' },
  { key: 'contacts', label: 'Contacts' },
] as const;

export type RunStatus = 'queued' | 'running' | 'success' | 'partial' | 'failed';

/** A service's last backup as GET …/backup/users (and …/shared-drives) report it. */
export interface ServiceBackup {
  lastSuccessAt: string | null;
  lastRun: { status: RunStatus; queuedAt: string; finishedAt: string | null; error: string | null } | null;
}

export type BackupState = 'success' | 'partial' | 'failed' | 'running' | 'never';

export interface ServiceStatus {
  state: BackupState;
  /** The time to show beside the badge: when the last run ended (or the last success while one runs). */
  at: string | null;
  /** Why the last run failed, when the server said. */
  error: string | null;
}

export const stateLabels: Record<BackupState, string> = {
  success: 'Success',
  partial: 'Partial',
  failed: 'Failed',
  running: 'Running',
  never: 'Never',
};

export const stateColors: Record<BackupState, string> = {
  success: 'green',
  partial: 'yellow',
  failed: 'red',
  running: 'blue',
  never: 'gray',
};

/**
 * The badge of a service: its last run's outcome; "running" while a run is queued or running
 * (the time is then the last success, the one that still protects the data); "never" when
 * nothing was ever backed up.
 */
export function serviceStatus(backup: ServiceBackup): ServiceStatus {
  const run = backup.lastRun;
  if (run?.status === 'queued' || run?.status === 'running') {
    return { state: 'running', at: backup.lastSuccessAt, error: null };
  }
  if (run) {
    return { state: run.status, at: run.finishedAt ?? backup.lastSuccessAt, error: run.error };
  }
  return backup.lastSuccessAt
    ? { state: 'success', at: backup.lastSuccessAt, error: null }
    : { state: 'never', at: null, error: null };
}

export interface RunOutcomes {
  success: number;
  partial: number;
  failed: number;
}

/**
 * How the runs of a "Back up now" ended: the growth of the 24-hour outcome counts between the
 * start and the end (runs older than a day leaving the window could make one negative: never
 * below zero).
 */
export function finishedRuns(before: RunOutcomes, after: RunOutcomes): RunOutcomes {
  const grown = (key: keyof RunOutcomes) => Math.max(0, after[key] - before[key]);
  return { success: grown('success'), partial: grown('partial'), failed: grown('failed') };
}

/** The sentence shown when a backup ends: "Backup finished: 4 succeeded, 1 partial, 0 failed." */
export function backupFinishedMessage(outcomes: RunOutcomes): string {
  return `Backup finished: ${outcomes.success} succeeded, ${outcomes.partial} partial, ${outcomes.failed} failed.`;
}
