// Google's per-project daily thresholds (GOOGLE-APIS.md, since 2026: Gmail 80M units, Drive 400M
// units, Calendar 1M requests per project and day), kept across every process of the
// installation: units are counted in google_project_usage per (project, API, UTC day). Each
// process adds what it spent about once a second (one statement per project and API, not one
// per call) and reads the total back; a call that would pass the day's threshold is refused
// before it reaches Google, with an error that says why and until when — so a spent project's
// customers stop at once instead of meeting a storm of 403s. Between two refreshes a process may
// overshoot by about a second of its own calls (docs/deployment.md "Several Cloud projects").
import { GoogleApiError, type GoogleApiName, type QuotaManager } from '@safehold/google';
import { and, eq, sql } from 'drizzle-orm';
import type { Config } from '../../config/config.ts';
import type { Db } from '../../db/database.ts';
import { googleProjectUsage } from './tables.ts';

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
  /** Adds what this process spent to the table now (tests; shutdown). */
  flush(): Promise<void>;
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
    try {
      const day = sql`to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD')`;
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
      counter = { pending: 0, total: 0, readAt: Number.NEGATIVE_INFINITY, refreshing: null };
      counters.set(key, counter);
    }
    return counter;
  }

  async function fresh(project: string, api: GoogleApiName, counter: Counter): Promise<void> {
    if (now() - counter.readAt < REFRESH_MS) return;
    counter.refreshing ??= refresh(project, api, counter).finally(() => {
      counter.refreshing = null;
    });
    await counter.refreshing;
  }

  const usage: ProjectUsage = {
    async spend(project, api, units) {
      const threshold = thresholds[api];
      if (!Number.isFinite(threshold)) return;
      const counter = counterOf(project, api);
      await fresh(project, api, counter);
      if (counter.total + counter.pending + units > threshold) {
        throw new GoogleApiError({
          status: 403,
          reason: 'projectDailyThresholdReached',
          message:
            `The Cloud project ${project} has spent today's ${api} threshold (${threshold} units, ` +
            'GOOGLE_QUOTA_LIMITS perProjectPerDay): its customers wait until the next UTC day',
          operation: api,
        });
      }
      counter.pending += units;
      scheduleFlush();
    },
    async flush() {
      for (const [key, counter] of counters) {
        if (counter.pending === 0) continue;
        const [project = '', api = ''] = key.split('|');
        await refresh(project, api as GoogleApiName, counter);
      }
    },
  };
  return usage;
}

/** A quota manager that also keeps the project's daily thresholds (the calls it admits are counted). */
export function withDailyThresholds(manager: QuotaManager, project: string, usage: ProjectUsage): QuotaManager {
  return {
    ...manager,
    async acquire(api, user, units) {
      await usage.spend(project, api, units);
      return manager.acquire(api, user, units);
    },
  };
}

/** Today's and this minute's units per (project, API), for the vendor's Installation health. */
export async function projectUsageToday(
  db: Db,
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
    .where(eq(googleProjectUsage.day, sql`to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD')`));
  return rows.map((row) => ({ ...row, unitsThisMinute: Number(row.unitsThisMinute) }));
}
