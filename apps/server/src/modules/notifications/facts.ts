// What the notification emails say comes from the backup engine, which imports this module's
// mail service: so this module declares the facts it needs (NotificationFacts) and the
// composition roots (runtime.ts, tests) pass backup's implementation in
// (backup/notification-facts.ts). No module cycle.

/** A failed or partial run in the status email's period, with its reasons. */
export interface RunProblem {
  subjectEmail: string;
  service: string;
  status: 'failed' | 'partial';
  finishedAt: Date;
  /** The run's error (failed), or a count of the items not backed up (partial). */
  reason: string;
  /** For partial runs: a few items, each with why and what to do. */
  items: { item: string; reason: string; advice: string }[];
  moreItems: number;
}

export interface StatusReport {
  coverage: { protected: number; licensed: number };
  runs: { success: number; partial: number; failed: number };
  problems: RunProblem[];
}

/** Something wrong now that deserves an immediate email, named by a key stable while it lasts. */
export interface FailureCause {
  /** e.g. `backup_failed:ann@a.example/gmail`, `backup_overdue:ann@a.example`, `authorization_lost`. */
  key: string;
  subject: string;
  text: string;
}

export interface NotificationFacts {
  statusReport(customerId: string, since: Date, until: Date): Promise<StatusReport>;
  failureCauses(customerId: string, now: Date): Promise<FailureCause[]>;
}
