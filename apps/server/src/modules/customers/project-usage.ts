// Google's per-project daily thresholds (GOOGLE-APIS.md, since 2026: Gmail 80M units, Drive 400M
// units, Calendar 1M requests per project and day), kept across every process of the
// installation: units are counted in google_project_usage per (project, API, day), the day being
// Google's quota day, which starts at midnight Pacific time (America/Los_Angeles). Each
// process adds what it spent about once a second (one statement per project and API, not one
// per call) and reads the total back; a call that would pass the day's threshold is refused
// before it reaches Google, with an error that says why and until when — so a spent project's
// customers stop at once instead of meeting a storm of 403s. Between two refreshes a process may
// overshoot by about a second of its own calls (docs/deployment.md "Several Cloud projects").
// When Google says a project's day is spent before our count does (403 dailyLimitExceeded: other
// software on the same project, or a lower limit than Google publishes), the day is marked spent
// the same way.
import type { GoogleApiName, QuotaManager } from '@safehold/google';
import { and, eq, gte, inArray, or, sql } from 'drizzle-orm';
import type { Config } from '../../config/config.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../http/errors.ts';
import { googleProjectUsage } from './tables.ts';

/** Google's daily quotas reset at midnight in this zone (DST included), not at UTC midnight. */
export const QUOTA_TIME_ZONE = 'America/Los_Angeles';

const quotaDayFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: QUOTA_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

function pacificParts(ms: number): { day: string; hour: number; minute: number } {
  const parts = Object.fromEntries(quotaDayFormat.formatToParts(ms).map((part) => [part.type, part.value]));
  return { day: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour), minute: Number(parts.minute) };
}

/** Google's quota day of an instant: its date in Pacific time, YYYY-MM-DD. */
export function quotaDay(ms: number): string {
  return pacificParts(ms).day;
}

/**
 * When the quota day of `ms` ends: the next midnight in Pacific time. Midnight is never skipped
 * or repeated there (the clocks change at 02:00), so it is 07:00 or 08:00 UTC of the next date.
 */
export function quotaDayResetsAt(ms: number): Date {
  const [year, month, day] = quotaDay(ms).split('-').map(Number) as [number, number, number];
  for (const utcHour of [7, 8]) {
    const candidate = Date.UTC(year, month - 1, day + 1, utcHour);
    const local = pacificParts(candidate);
    if (local.hour === 0 && local.minute === 0) return new Date(candidate);
  }
  throw new Error(`no Pacific midnight after ${new Date(ms).toISOString()}`);
}

const apiLabels: Record<GoogleApiName, string> = {
  gmail: 'Gmail',
  drive: 'Drive',
  calendar: 'Calendar',
  people: 'People',
  directory: 'Directory',
};

/**
 * What a spent quota stopped: backups (they resume by themselves at the next quota day), a
 * restore (it ends; started again after the reset, it skips what it already restored), or a
 * restore refused before it started (nothing was created; start it after the reset).
 */
export type QuotaStoppedWork = 'backups' | 'restore' | 'restore_start';

/** What a customer of a spent project is told (runs, on-demand refusals, status, health; a stopped or refused restore). */
export function projectQuotaReason(project: string, api: GoogleApiName, stopped: QuotaStoppedWork = 'backups'): string {
  const spent = `Google Cloud project ${project} has used its daily ${apiLabels[api]} quota`;
  switch (stopped) {
    case 'restore':
      return `${spent}; the restore stopped: start it again after 00:00 Pacific (what it already restored is skipped)`;
    case 'restore_start':
      return `${spent}; the restore was not started: start it after 00:00 Pacific`;
    case 'backups':
      return `${spent}; backups resume after 00:00 Pacific`;
  }
}

/** Whether a run's error is projectQuotaReason's: a wait for the quota day, not a failure. */
export function isProjectQuotaReason(text: string | null | undefined): boolean {
  return /^Google Cloud project \S+ has used its daily \w+ quota; backups resume after 00:00 Pacific/.test(text ?? '');
}

/** The SQL LIKE pattern of projectQuotaReason (for queries over run errors). */
export const PROJECT_QUOTA_REASON_LIKE =
  'Google Cloud project % has used its daily % quota; backups resume after 00:00 Pacific%';

/**
 * A call refused because its project spent the day's threshold. Not a GoogleApiError: the
 * backup handlers, which fail one item on a Google error and go on, let it end the whole run
 * (every further call of the project would be refused as well); a route answers it as 503.
 */
export class ProjectQuotaSpentError extends AppError {
  override name = 'ProjectQuotaSpentError';
  readonly project: string;
  readonly api: GoogleApiName;
  readonly resetsAt: Date;

  /** `stopped` words the message (default: the backups'). */
  constructor(
    project: string,
    api: GoogleApiName,
    resetsAt: Date,
    nowMs: number,
    stopped: QuotaStoppedWork = 'backups',
  ) {
    super('unavailable', projectQuotaReason(project, api, stopped), {
      headers: { 'retry-after': String(Math.max(1, Math.ceil((resetsAt.getTime() - nowMs) / 1000))) },
    });
    this.project = project;
    this.api = api;
    this.resetsAt = resetsAt;
  }

  /** The reason worded for what it stopped (its message is the backups'). */
  reasonFor(stopped: QuotaStoppedWork): string {
    return projectQuotaReason(this.project, this.api, stopped);
  }
}

/** Google's published daily thresholds per project (units; Calendar counts requests, one unit each). */
export const defaultDailyThresholds: Record<GoogleApiName, number> = {
  gmail: 80_000_000,
  drive: 400_000_000,
  calendar: 1_000_000,
  people: Number.POSITIVE_INFINITY,
  directory: Number.POSITIVE_INFINITY,
};

/** The daily threshold of each API: GOOGLE_QUOTA_LIMITS' perProjectPerDay over Google's. */
export function dailyThresholds(limits: Config['google']['quotaLimits']): Record<GoogleApiName, number> {
  const thresholds = { ...defaultDailyThresholds };
  for (const api of Object.keys(thresholds) as GoogleApiName[]) {
    const configured = limits?.[api]?.perProjectPerDay;
    if (configured !== undefined) thresholds[api] = configured;
  }
  return thresholds;
}

/** How long a process trusts the total it last read. */
const REFRESH_MS = 1000;

interface Counter {
  /** The quota day `total` belongs to. */
  day: string;
  /** Units spent here and not yet added to the table. */
  pending: number;
  /** The table's total for the day, as last read (this process's flushed units included). */
  total: number;
  readAt: number;
  refreshing: Promise<void> | null;
}

export interface ProjectUsage {
  /** Throws when `units` more of `api` would pass the project's threshold for today; else counts them. */
  spend(project: string, api: GoogleApiName, units: number): Promise<void>;
  /**
   * Google refused a call of `project` on `api` because its day is spent (403
   * dailyLimitExceeded): marks the day spent in the table as a refused spend does, and answers
   * the error to stop on (the same as our own threshold's).
   */
  spentAtGoogle(project: string, api: GoogleApiName): Promise<ProjectQuotaSpentError>;
  /** Adds what this process spent to the table now (tests; shutdown). */
  flush(): Promise<void>;
  /** Units spent here and not yet in the table (tests). */
  pending(): number;
}

export function createProjectUsage(
  db: Db,
  thresholds: Record<GoogleApiName, number>,
  now = () => Date.now(),
): ProjectUsage {
  const counters = new Map<string, Counter>();
  let flushTimer: NodeJS.Timeout | null = null;

  /** Units spent and not followed by another call still reach the table within about a second. */
  function scheduleFlush(): void {
    if (flushTimer) return;
    flushTimer = setTimeout(() => {
      flushTimer = null;
      // A failed write keeps its units pending (refresh puts them back) for the next call's refresh.
      usage.flush().catch(() => scheduleFlush());
    }, REFRESH_MS);
    flushTimer.unref();
  }

  async function refresh(project: string, api: GoogleApiName, counter: Counter): Promise<void> {
    const units = counter.pending;
    counter.pending = 0;
    const day = quotaDay(now());
    try {
      const minute = sql`date_trunc('minute', clock_timestamp())`;
      if (units > 0) {
        const [row] = await db
          .insert(googleProjectUsage)
          .values({ project, api, day, units, minuteStart: minute, minuteUnits: units })
          .onConflictDoUpdate({
            target: [googleProjectUsage.project, googleProjectUsage.api, googleProjectUsage.day],
            set: {
              units: sql`${googleProjectUsage.units} + excluded.units`,
              minuteUnits: sql`case when ${googleProjectUsage.minuteStart} = excluded.minute_start
                then ${googleProjectUsage.minuteUnits} + excluded.minute_units else excluded.minute_units end`,
              minuteStart: sql`excluded.minute_start`,
            },
          })
          .returning({ units: googleProjectUsage.units });
        counter.total = row?.units ?? counter.total + units;
      } else {
        const [row] = await db
          .select({ units: googleProjectUsage.units })
          .from(googleProjectUsage)
          .where(
            and(
              eq(googleProjectUsage.project, project),
              eq(googleProjectUsage.api, api),
              eq(googleProjectUsage.day, day),
            ),
          );
        counter.total = row?.units ?? 0;
      }
      counter.day = day;
      counter.readAt = now();
    } catch (error) {
      counter.pending += units;
      throw error;
    }
  }

  function counterOf(project: string, api: GoogleApiName): Counter {
    const key = `${project}|${api}`;
    let counter = counters.get(key);
    if (!counter) {
      counter = { day: '', pending: 0, total: 0, readAt: Number.NEGATIVE_INFINITY, refreshing: null };
      counters.set(key, counter);
    }
    return counter;
  }

  async function fresh(project: string, api: GoogleApiName, counter: Counter): Promise<void> {
    // A new quota day (midnight Pacific) starts from the table's count of that day at once.
    if (now() - counter.readAt < REFRESH_MS && counter.day === quotaDay(now())) return;
    counter.refreshing ??= refresh(project, api, counter).finally(() => {
      counter.refreshing = null;
    });
    await counter.refreshing;
  }

  /**
   * A refused call marks the project spent for the day in the table (its count raised to the
   * threshold, what is left being too little for the call): every process, the scheduler and
   * Installation health see it at once. Best effort — the refusal stands either way.
   */
  async function markSpent(project: string, api: GoogleApiName, threshold: number, counter: Counter): Promise<void> {
    if (counter.total >= threshold) return;
    try {
      await usage.flush();
      await db
        .insert(googleProjectUsage)
        .values({
          project,
          api,
          day: quotaDay(now()),
          units: threshold,
          minuteStart: sql`date_trunc('minute', clock_timestamp())`,
          minuteUnits: 0,
        })
        .onConflictDoUpdate({
          target: [googleProjectUsage.project, googleProjectUsage.api, googleProjectUsage.day],
          set: { units: sql`greatest(${googleProjectUsage.units}, excluded.units)` },
        });
      counter.total = Math.max(counter.total, threshold);
    } catch {
      // The next refresh reads the count again.
    }
  }

  const usage: ProjectUsage = {
    async spend(project, api, units) {
      const threshold = thresholds[api];
      if (!Number.isFinite(threshold)) return;
      const counter = counterOf(project, api);
      await fresh(project, api, counter);
      if (counter.total + counter.pending + units > threshold) {
        await markSpent(project, api, threshold, counter);
        throw new ProjectQuotaSpentError(project, api, quotaDayResetsAt(now()), now());
      }
      counter.pending += units;
      scheduleFlush();
    },
    async spentAtGoogle(project, api) {
      const threshold = thresholds[api];
      // An API without a daily threshold of ours has no count to raise; the refusal stands.
      if (Number.isFinite(threshold)) await markSpent(project, api, threshold, counterOf(project, api));
      return new ProjectQuotaSpentError(project, api, quotaDayResetsAt(now()), now());
    },
    async flush() {
      for (const [key, counter] of counters) {
        if (counter.pending === 0) continue;
        const [project = '', api = ''] = key.split('|');
        await refresh(project, api as GoogleApiName, counter);
      }
    },
    pending() {
      let units = 0;
      for (const counter of counters.values()) units += counter.pending;
      return units;
    },
  };
  return usage;
}

/**
 * A quota manager that also keeps the project's daily thresholds (the calls it admits are
 * counted), and takes Google's word when it says the project's day is spent first.
 */
export function withDailyThresholds(manager: QuotaManager, project: string, usage: ProjectUsage): QuotaManager {
  return {
    ...manager,
    async acquire(api, user, units) {
      await usage.spend(project, api, units);
      return manager.acquire(api, user, units);
    },
    async dailyLimitReached(api) {
      throw await usage.spentAtGoogle(project, api);
    },
  };
}

/** Today's (the quota day's) and this minute's units per (project, API), for the vendor's Installation health. */
export async function projectUsageToday(
  db: Db,
  nowMs: number,
): Promise<Array<{ project: string; api: string; unitsToday: number; unitsThisMinute: number }>> {
  const rows = await db
    .select({
      project: googleProjectUsage.project,
      api: googleProjectUsage.api,
      unitsToday: googleProjectUsage.units,
      unitsThisMinute: sql<number>`case when ${googleProjectUsage.minuteStart} = date_trunc('minute', clock_timestamp())
        then ${googleProjectUsage.minuteUnits} else 0 end`,
    })
    .from(googleProjectUsage)
    .where(eq(googleProjectUsage.day, quotaDay(nowMs)));
  return rows.map((row) => ({ ...row, unitsThisMinute: Number(row.unitsThisMinute) }));
}

/** A project that spent an API's daily threshold: its customers' backups of that API wait until `resetsAt`. */
export interface SpentProjectQuota {
  project: string;
  api: GoogleApiName;
  resetsAt: Date;
  reason: string;
}

/** The (project, API) pairs whose count of the current quota day reached its threshold. */
export async function spentProjectQuotas(
  db: Db,
  thresholds: Record<GoogleApiName, number>,
  nowMs: number,
  projects?: readonly string[],
): Promise<SpentProjectQuota[]> {
  const limited = (Object.keys(thresholds) as GoogleApiName[]).filter((api) => Number.isFinite(thresholds[api]));
  if (limited.length === 0 || projects?.length === 0) return [];
  const rows = await db
    .select({ project: googleProjectUsage.project, api: googleProjectUsage.api })
    .from(googleProjectUsage)
    .where(
      and(
        eq(googleProjectUsage.day, quotaDay(nowMs)),
        projects ? inArray(googleProjectUsage.project, [...projects]) : undefined,
        or(
          ...limited.map((api) => and(eq(googleProjectUsage.api, api), gte(googleProjectUsage.units, thresholds[api]))),
        ),
      ),
    );
  const resetsAt = quotaDayResetsAt(nowMs);
  return rows.map((row) => ({
    project: row.project,
    api: row.api as GoogleApiName,
    resetsAt,
    reason: projectQuotaReason(row.project, row.api as GoogleApiName),
  }));
}
