// Per-user quotas (Google's unit costs per minute, concurrency caps), per-project limits (per
// minute and per day, issue 20: each Cloud project has its own), fault injection per endpoint,
// plus request counters. Per-user quotas are off by default; tests switch them on and scale them.
// A project's limits apply as soon as they are set (setProjectQuotas), whatever `enabled` says.
import type { Clock } from './clock.ts';
import { googleError, type Reply } from './http-reply.ts';
import type { ApiName } from './router.ts';
import type { SeededRandom } from './seeded-random.ts';

export interface QuotaSettings {
  enabled: boolean;
  /** Multiplies every limit (0.01 makes limits 100× smaller for a test). */
  scale: number;
  unitsPerMinute: Partial<Record<ApiName, number>>;
  concurrentPerUser: Partial<Record<ApiName, number>>;
  /** Drive upload bytes per user per emulated day (Google: 750 GB). */
  driveUploadBytesPerDay: number;
  /** Limits of one Cloud project (by project id), per API: units per minute and per quota day (midnight Pacific). */
  projects: Record<string, ProjectLimits>;
}

export interface ProjectLimits {
  unitsPerMinute: Partial<Record<ApiName, number>>;
  unitsPerDay: Partial<Record<ApiName, number>>;
}

export const DEFAULT_QUOTAS: QuotaSettings = {
  enabled: false,
  scale: 1,
  unitsPerMinute: { gmail: 15_000, drive: 12_000, calendar: 600, people: 90, directory: 2_400 },
  concurrentPerUser: { gmail: 5, drive: 10, calendar: 10, people: 10, directory: 10 },
  driveUploadBytesPerDay: 750 * 1024 ** 3,
  projects: {},
};

export interface FaultRule {
  /** Route name ('gmail.users.messages.get'), a prefix with '*' ('gmail.*'), or '*'. */
  endpoint: string;
  /** Only for this user (email), if set. */
  user?: string;
  /** Probability (0..1) of answering with an error instead of the real response. */
  errorRate?: number;
  status?: number;
  reason?: string;
  message?: string;
  /** A Retry-After header (seconds) on the error answer. */
  retryAfterSeconds?: number;
  /** Added delay before answering, in ms. */
  latencyMs?: number;
  /** Probability (0..1) of closing the connection without an answer. */
  dropRate?: number;
  /**
   * Probability (0..1) of a truncated body: the real answer's status and full Content-Length,
   * then half of the body and the connection closed.
   */
  truncateRate?: number;
  /** Probability (0..1) of never answering: the connection is held silent for `stallMs`, then closed. */
  stallRate?: number;
  /** How long a stalled request is held before its connection is closed; default 60 s. */
  stallMs?: number;
  /** Apply to this many matching requests, then stop. */
  times?: number;
}

/** What to do to one call: delay it, drop it, hold it silent, cut its body short, or fail it. */
export interface Fault {
  latencyMs: number;
  drop: boolean;
  /** Hold the connection silent this long, then close it (0: no stall). */
  stallMs: number;
  truncate: boolean;
  error?: Reply;
}

export const NO_FAULT: Fault = { latencyMs: 0, drop: false, stallMs: 0, truncate: false };

export interface CounterEntry {
  endpoint: string;
  user: string;
  count: number;
  units: number;
}

/** One call as it reached the emulator: when (emulator clock), whose, and what it was answered if refused. */
export interface CallRecord {
  at: number;
  api: ApiName;
  endpoint: string;
  user: string;
  /** The Cloud project: the project id of the calling service account ('-' for an anonymous call). */
  project: string;
  units: number;
  /** The status of an injected fault or a quota refusal; unset when the call went to its handler. */
  refusedWith?: number;
}

/**
 * Units a user or a project sent to one API in any 60 seconds (a sliding window over the
 * emulator's clock, stricter than Google's per-minute counting), refused calls included:
 * what a client that keeps under Google's ceilings must keep under.
 */
export interface UsagePeak {
  scope: 'user' | 'project';
  api: ApiName;
  /** The user's email or the project id. */
  key: string;
  peakUnitsPerMinute: number;
  units: number;
  calls: number;
}

/** Calls kept for requestLog(): the newest ones beyond this are not kept. */
const REQUEST_LOG_LIMIT = 100_000;

/** How many calls of one endpoint a fault of one kind was acted out on. */
export interface FaultTally {
  endpoint: string;
  /** `HTTP <status>`, `connection reset`, `no answer` (stalled) or `truncated body`. */
  kind: string;
  count: number;
}

/** The one thing a call suffers, in the order the server acts faults out (server.ts `withFault`). */
function faultKind(fault: Fault): string | undefined {
  if (fault.drop) return 'connection reset';
  if (fault.stallMs > 0) return 'no answer';
  if (fault.error) return `HTTP ${fault.error.status}`;
  if (fault.truncate) return 'truncated body';
  return undefined;
}

export interface Governor {
  quotas: QuotaSettings;
  faults: FaultRule[];
  setQuotas(settings: Partial<QuotaSettings>): QuotaSettings;
  /** Sets (merges) one project's per-minute and per-day limits; `null` for an API removes its limit. */
  setProjectQuotas(input: {
    project: string;
    unitsPerMinute?: Partial<Record<ApiName, number | null>>;
    unitsPerDay?: Partial<Record<ApiName, number | null>>;
  }): ProjectLimits;
  /** Units each project spent per API today (the quota day, from midnight Pacific) and in the current minute. */
  projectUsage(): Array<{ project: string; api: ApiName; unitsToday: number; unitsThisMinute: number }>;
  setFaults(rules: FaultRule[]): void;
  /** Before a call: a rejection Reply, or a release function to call when it finishes. */
  admit(api: ApiName, user: string, units: number, project?: string): Reply | (() => void);
  /** The fault to apply to this call, if any. */
  fault(endpoint: string, user: string): Fault;
  count(endpoint: string, user: string, units: number): void;
  /** Books uploaded bytes against the daily Drive upload limit; a rejection Reply when over it. */
  upload(user: string, bytes: number): Reply | undefined;
  counters(): CounterEntry[];
  /** Logs a call (the request log and the per-minute peaks); the server fills in `refusedWith`. */
  record(call: Omit<CallRecord, 'at' | 'refusedWith'>): CallRecord;
  /** Per-minute peaks per (user, API) and (project, API) since the last reset. */
  usagePeaks(): UsagePeak[];
  /** The calls since the last reset, oldest first (at most REQUEST_LOG_LIMIT). */
  requestLog(): CallRecord[];
  /** Faults acted out since the last reset (a fault run's figures). */
  faultsInjected(): FaultTally[];
  /** Resets the request counters, the fault tallies, the peaks and the request log. */
  resetCounters(): void;
}

function matches(rule: FaultRule, endpoint: string, user: string): boolean {
  if (rule.user && rule.user.toLowerCase() !== user) return false;
  if (rule.endpoint === '*') return true;
  if (rule.endpoint.endsWith('*')) return endpoint.startsWith(rule.endpoint.slice(0, -1));
  return rule.endpoint === endpoint;
}

function statusName(status: number): string {
  return status === 429
    ? 'RESOURCE_EXHAUSTED'
    : status === 503
      ? 'UNAVAILABLE'
      : status === 500
        ? 'INTERNAL'
        : status === 403
          ? 'PERMISSION_DENIED'
          : status === 404
            ? 'NOT_FOUND'
            : 'UNKNOWN';
}

const DEFAULT_FAULT_MESSAGES: Record<number, [string, string]> = {
  500: ['Internal error encountered.', 'backendError'],
  502: ['Bad Gateway', 'badGateway'],
  503: ['The service is currently unavailable.', 'backendError'],
  504: ['Deadline exceeded', 'deadlineExceeded'],
  429: ['Too many requests', 'rateLimitExceeded'],
  403: ['User rate limit exceeded.', 'userRateLimitExceeded'],
};

/**
 * Google's quota day, which starts at midnight Pacific time (DST included), not at UTC
 * midnight: a project's per-day limits reset then (https://cloud.google.com/docs/quotas).
 */
const pacificDate = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'America/Los_Angeles',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

export function createGovernor(clock: Clock, random: SeededRandom): Governor {
  const usage = new Map<string, { minute: number; units: number }>();
  const projectMinutes = new Map<string, { minute: number; units: number }>();
  const projectDays = new Map<string, { day: string; units: number }>();
  const inFlight = new Map<string, number>();
  const counts = new Map<string, CounterEntry>();
  const uploads = new Map<string, { day: number; bytes: number }>();
  const tallies = new Map<string, FaultTally>();
  const log: CallRecord[] = [];
  const windows = new Map<
    string,
    { peak: UsagePeak; recent: Array<{ at: number; units: number }>; inWindow: number }
  >();

  function addToWindow(scope: UsagePeak['scope'], api: ApiName, key: string, at: number, units: number): void {
    const id = `${scope}|${api}|${key}`;
    let entry = windows.get(id);
    if (!entry) {
      entry = { peak: { scope, api, key, peakUnitsPerMinute: 0, units: 0, calls: 0 }, recent: [], inWindow: 0 };
      windows.set(id, entry);
    }
    entry.recent.push({ at, units });
    entry.inWindow += units;
    while (entry.recent.length > 0 && (entry.recent[0]?.at ?? at) <= at - 60_000) {
      entry.inWindow -= entry.recent.shift()?.units ?? 0;
    }
    // The busiest window ends at a call, so checking at every call finds the peak exactly.
    entry.peak.peakUnitsPerMinute = Math.max(entry.peak.peakUnitsPerMinute, entry.inWindow);
    entry.peak.units += units;
    entry.peak.calls += 1;
  }

  /**
   * A project's per-minute and per-day limits, as Google answers them when spent: 429
   * RESOURCE_EXHAUSTED rateLimitExceeded per minute, 403 rateLimitExceeded (usageLimits) per day
   * (https://cloud.google.com/docs/quotas/troubleshoot). Units are booked only when admitted.
   */
  function admitForProject(api: ApiName, project: string, units: number): Reply | undefined {
    const limits = governor.quotas.projects[project];
    if (!limits) return undefined;
    const id = `${project}|${api}`;
    const minute = Math.floor(clock.now() / 60_000);
    const day = pacificDate.format(clock.now());
    const minuteEntry = projectMinutes.get(id);
    const dayEntry = projectDays.get(id);
    const usedThisMinute = minuteEntry && minuteEntry.minute === minute ? minuteEntry.units : 0;
    const usedToday = dayEntry && dayEntry.day === day ? dayEntry.units : 0;
    const perDay = limits.unitsPerDay[api];
    if (perDay !== undefined && usedToday + units > perDay) {
      return googleError(
        403,
        `Quota exceeded for quota metric 'Queries' and limit 'Queries per day' of service '${api}.googleapis.com' for consumer 'project:${project}'.`,
        'rateLimitExceeded',
        { domain: 'usageLimits', status: 'PERMISSION_DENIED' },
      );
    }
    const perMinute = limits.unitsPerMinute[api];
    if (perMinute !== undefined && usedThisMinute + units > perMinute) {
      const retryAfter = Math.max(1, Math.ceil(((minute + 1) * 60_000 - clock.now()) / 1000));
      return googleError(
        429,
        `Quota exceeded for quota metric 'Queries' and limit 'Queries per minute' of service '${api}.googleapis.com' for consumer 'project:${project}'.`,
        'rateLimitExceeded',
        { domain: 'usageLimits', status: 'RESOURCE_EXHAUSTED', headers: { 'retry-after': String(retryAfter) } },
      );
    }
    projectMinutes.set(id, { minute, units: usedThisMinute + units });
    projectDays.set(id, { day, units: usedToday + units });
    return undefined;
  }

  const governor: Governor = {
    quotas: structuredClone(DEFAULT_QUOTAS),
    faults: [],
    setQuotas(settings) {
      governor.quotas = {
        ...governor.quotas,
        ...settings,
        unitsPerMinute: { ...governor.quotas.unitsPerMinute, ...settings.unitsPerMinute },
        concurrentPerUser: { ...governor.quotas.concurrentPerUser, ...settings.concurrentPerUser },
        projects: { ...governor.quotas.projects, ...settings.projects },
      };
      return governor.quotas;
    },
    setProjectQuotas(input) {
      if (typeof input?.project !== 'string' || input.project === '')
        throw new TypeError('project must be a project id');
      const current = governor.quotas.projects[input.project] ?? { unitsPerMinute: {}, unitsPerDay: {} };
      const merge = (
        base: Partial<Record<ApiName, number>>,
        changes: Partial<Record<ApiName, number | null>> | undefined,
      ): Partial<Record<ApiName, number>> => {
        const merged = { ...base };
        for (const [api, value] of Object.entries(changes ?? {}) as Array<[ApiName, number | null]>) {
          if (value === null) delete merged[api];
          else if (typeof value !== 'number' || !(value >= 0)) throw new TypeError(`${api} must be a number of units`);
          else merged[api] = value;
        }
        return merged;
      };
      const limits: ProjectLimits = {
        unitsPerMinute: merge(current.unitsPerMinute, input.unitsPerMinute),
        unitsPerDay: merge(current.unitsPerDay, input.unitsPerDay),
      };
      governor.quotas = { ...governor.quotas, projects: { ...governor.quotas.projects, [input.project]: limits } };
      return limits;
    },
    projectUsage() {
      const minute = Math.floor(clock.now() / 60_000);
      const day = pacificDate.format(clock.now());
      const rows = new Map<string, { project: string; api: ApiName; unitsToday: number; unitsThisMinute: number }>();
      const row = (id: string) => {
        const [project = '', api = ''] = id.split('|');
        const found = rows.get(id) ?? { project, api: api as ApiName, unitsToday: 0, unitsThisMinute: 0 };
        rows.set(id, found);
        return found;
      };
      for (const [id, entry] of projectDays) if (entry.day === day) row(id).unitsToday = entry.units;
      for (const [id, entry] of projectMinutes) if (entry.minute === minute) row(id).unitsThisMinute = entry.units;
      return [...rows.values()];
    },
    setFaults(rules) {
      governor.faults = rules.map((rule) => ({ ...rule }));
    },
    admit(api, user, units, project) {
      const settings = governor.quotas;
      if (api === 'control' || api === 'oauth') return () => {};
      const refusedForProject = project === undefined ? undefined : admitForProject(api, project, units);
      if (refusedForProject) return refusedForProject;
      if (!settings.enabled) return () => {};
      const key = `${api}|${user}`;
      const cap = settings.concurrentPerUser[api];
      const running = inFlight.get(key) ?? 0;
      if (cap !== undefined && running >= Math.max(1, Math.round(cap * settings.scale))) {
        return googleError(429, 'Too many concurrent requests for user.', 'rateLimitExceeded', {
          domain: 'usageLimits',
          status: 'RESOURCE_EXHAUSTED',
        });
      }
      const limit = settings.unitsPerMinute[api];
      if (limit !== undefined) {
        const minute = Math.floor(clock.now() / 60_000);
        const entry = usage.get(key);
        const used = entry && entry.minute === minute ? entry.units : 0;
        if (used + units > Math.max(1, Math.round(limit * settings.scale))) {
          const retryAt = new Date((minute + 1) * 60_000).toISOString();
          const headers = {
            'retry-after': String(Math.max(1, Math.ceil(((minute + 1) * 60_000 - clock.now()) / 1000))),
          };
          if (api === 'gmail') {
            return googleError(429, `User-rate limit exceeded.  Retry after ${retryAt}`, 'rateLimitExceeded', {
              domain: 'usageLimits',
              status: 'RESOURCE_EXHAUSTED',
              headers,
            });
          }
          if (api === 'people') {
            return googleError(
              429,
              "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user'.",
              'rateLimitExceeded',
              { status: 'RESOURCE_EXHAUSTED', headers },
            );
          }
          return googleError(403, 'User rate limit exceeded.', 'userRateLimitExceeded', {
            domain: 'usageLimits',
            headers,
          });
        }
        usage.set(key, { minute, units: used + units });
      }
      inFlight.set(key, running + 1);
      return () => inFlight.set(key, (inFlight.get(key) ?? 1) - 1);
    },
    fault(endpoint, user) {
      const result: Fault = { ...NO_FAULT };
      for (const rule of governor.faults) {
        if (!matches(rule, endpoint, user)) continue;
        if (rule.times !== undefined) {
          if (rule.times <= 0) continue;
          rule.times -= 1;
        }
        result.latencyMs += rule.latencyMs ?? 0;
        if (rule.dropRate && random.next() < rule.dropRate) result.drop = true;
        if (rule.stallRate && random.next() < rule.stallRate) result.stallMs = rule.stallMs ?? 60_000;
        if (rule.truncateRate && random.next() < rule.truncateRate) result.truncate = true;
        if (!result.error && rule.errorRate && random.next() < rule.errorRate) {
          const status = rule.status ?? 503;
          const [message, reason] = DEFAULT_FAULT_MESSAGES[status] ?? ['Injected fault', 'backendError'];
          result.error = googleError(status, rule.message ?? message, rule.reason ?? reason, {
            status: statusName(status),
            domain: status === 403 || status === 429 ? 'usageLimits' : 'global',
            ...(rule.retryAfterSeconds !== undefined
              ? { headers: { 'retry-after': String(rule.retryAfterSeconds) } }
              : {}),
          });
        }
      }
      const kind = faultKind(result);
      if (kind) {
        const tally = tallies.get(`${endpoint}|${kind}`) ?? { endpoint, kind, count: 0 };
        tally.count += 1;
        tallies.set(`${endpoint}|${kind}`, tally);
      }
      return result;
    },
    upload(user, bytes) {
      if (!governor.quotas.enabled) return undefined;
      const day = Math.floor(clock.now() / 86_400_000);
      const entry = uploads.get(user);
      const used = entry && entry.day === day ? entry.bytes : 0;
      if (used + bytes > governor.quotas.driveUploadBytesPerDay * governor.quotas.scale) {
        return googleError(403, 'User rate limit exceeded.', 'userRateLimitExceeded', { domain: 'usageLimits' });
      }
      uploads.set(user, { day, bytes: used + bytes });
      return undefined;
    },
    count(endpoint, user, units) {
      const key = `${endpoint}|${user}`;
      const entry = counts.get(key) ?? { endpoint, user, count: 0, units: 0 };
      entry.count += 1;
      entry.units += units;
      counts.set(key, entry);
    },
    counters: () => [...counts.values()].map((entry) => ({ ...entry })),
    record(call) {
      const record: CallRecord = { ...call, at: clock.now() };
      if (log.length < REQUEST_LOG_LIMIT) log.push(record);
      addToWindow('user', call.api, call.user, record.at, call.units);
      addToWindow('project', call.api, call.project, record.at, call.units);
      return record;
    },
    usagePeaks: () => [...windows.values()].map((entry) => ({ ...entry.peak })),
    requestLog: () => log.map((record) => ({ ...record })),
    faultsInjected: () => [...tallies.values()].map((tally) => ({ ...tally })),
    resetCounters: () => {
      counts.clear();
      tallies.clear();
      log.length = 0;
      windows.clear();
    },
  };
  return governor;
}
