// Keeps requests within Google's quotas before Google has to refuse them: a token bucket per
// (project, API) and per (user, API), charged with each operation's unit cost, and a cap on
// concurrent requests per (user, API) (Gmail answers 429 "Too many concurrent requests for
// user" above about 5). One manager can be shared by several clients of the same project.
//
// Bucket shape: Google counts units per minute. A bucket of `burst` tokens refilled at
// (limit - burst) / 60 s can spend at most burst + (limit - burst) = limit in any 60-second
// window, so a full-speed client never exceeds the configured per-minute limit.
//
// Across processes (DESIGN.md §2 workers): given a SharedQuotaBudget, the buckets live in the
// store and this process leases small chunks from them (about a second of the rate), spending
// locally. A leased unit not spent within LEASE_MS is dropped, and the shared refill rate is
// (limit - burst) / (60 s + LEASE_MS): units spent in any 60-second window were leased within
// that window plus LEASE_MS before it, so they total at most burst + (limit - burst) = limit,
// however many processes lease. A rate-limit answer seen by one process is recorded there as a
// backoff that every process waits out before calling (read again at most every BACKOFF_CACHE_MS).
// The cap on a user's requests in flight is divided among the processes calling that user on that
// API (a backup in one worker, a restore or an export in another): each says so in the shared
// budget at most every CALLERS_CACHE_MS while it calls, for CALLERS_TTL_MS, and keeps under
// max(1, floor(cap / callers)) — so up to `cap` processes together stay under Google's cap.
import { randomUUID } from 'node:crypto';
import type { GoogleClock } from '../clock.ts';
import type { GoogleApiError } from '../errors.ts';
import type { GoogleApiName } from '../scopes.ts';
import type { SharedQuotaBudget, SharedQuotaKey } from './shared-budget.ts';

/** How long a chunk leased from the shared budget may be spent. */
export const LEASE_MS = 1000;
/** How long a process trusts what it read of the shared backoffs. */
export const BACKOFF_CACHE_MS = 1000;
/** How often a process calling a user says so (and reads how many others do). */
export const CALLERS_CACHE_MS = 1000;
/** How long a process counts as calling a user after it last said so. */
export const CALLERS_TTL_MS = 5000;

export interface ApiQuotaLimits {
  /** Units per minute per user (Infinity = no limit). */
  perUserPerMinute: number;
  /** Units per minute per Cloud project (Infinity = no limit). */
  perProjectPerMinute: number;
  /** Requests in flight per user. */
  concurrencyPerUser: number;
  /** Seconds' worth of the per-minute rate that may be spent at once. Default 2. */
  burstSeconds: number;
}

export type QuotaLimits = Record<GoogleApiName, ApiQuotaLimits>;

/** Google's published defaults (GOOGLE-APIS.md). Gmail per user is 6,000 for projects created after 2026-05-01. */
export const defaultQuotaLimits: QuotaLimits = {
  gmail: { perUserPerMinute: 15_000, perProjectPerMinute: 1_200_000, concurrencyPerUser: 5, burstSeconds: 2 },
  drive: { perUserPerMinute: 325_000, perProjectPerMinute: Infinity, concurrencyPerUser: 10, burstSeconds: 2 },
  calendar: { perUserPerMinute: 600, perProjectPerMinute: Infinity, concurrencyPerUser: 5, burstSeconds: 2 },
  people: { perUserPerMinute: 90, perProjectPerMinute: Infinity, concurrencyPerUser: 5, burstSeconds: 2 },
  directory: { perUserPerMinute: 2_400, perProjectPerMinute: Infinity, concurrencyPerUser: 10, burstSeconds: 2 },
};

export type QuotaLimitOverrides = Partial<Record<GoogleApiName, Partial<ApiQuotaLimits>>>;

export interface BucketStats {
  scope: 'user' | 'project';
  api: GoogleApiName;
  /** The user's email or the project id. */
  key: string;
  limitPerMinute: number;
  unitsSpent: number;
  requests: number;
  /** Times an acquire had to wait for this bucket, and for how long in total. */
  waits: number;
  waitedMs: number;
  firstSpendAt: number | undefined;
  lastSpendAt: number | undefined;
}

/**
 * Share of the bucket's ceiling actually used over `elapsedMs` (1 = the full per-minute limit the
 * whole time): what a benchmark reports as "achieved rate".
 */
export function quotaUtilisation(bucket: BucketStats, elapsedMs: number): number {
  if (elapsedMs <= 0 || !Number.isFinite(bucket.limitPerMinute)) return 0;
  return bucket.unitsSpent / ((bucket.limitPerMinute * elapsedMs) / 60_000);
}

export interface QuotaEvent {
  type: 'wait';
  api: GoogleApiName;
  user: string;
  /** `backoff`: waiting out a rate-limit answer (this process's or another's). */
  bucket: 'user' | 'project' | 'concurrency' | 'backoff';
  waitMs: number;
}

export interface QuotaManager {
  /** Waits for a concurrency slot and `units` in both buckets; the returned function frees the slot. */
  acquire(api: GoogleApiName, user: string, units: number): Promise<() => void>;
  stats(): BucketStats[];
  /** Requests in flight right now for (user, api). */
  inFlight(api: GoogleApiName, user: string): number;
  /**
   * Google refused a call for quota: calls of this user (scope `user`) or of the whole project
   * (scope `project`) on `api` wait `waitMs` first, in this process and, with a shared budget, in all.
   */
  rateLimited(api: GoogleApiName, user: string, scope: 'user' | 'project', waitMs: number): Promise<void>;
  /**
   * Google refused a call because the project's quota of the day for `api` is spent
   * (isDailyLimit). An installation that keeps the project's daily counts records it here, and
   * may throw its own error in place of `error`; without this method (or if it returns) the
   * caller gets `error`.
   */
  dailyLimitReached?(api: GoogleApiName, error: GoogleApiError): Promise<void>;
}

interface Bucket {
  tokens: number;
  capacity: number;
  /** Tokens per millisecond. */
  refillRate: number;
  updatedAt: number;
  stats: BucketStats;
  /** With a shared budget: chunks leased from it, oldest first, each spendable until `expiresAt`. */
  leases: Lease[];
}

interface Lease {
  tokens: number;
  expiresAt: number;
}

interface Slots {
  used: number;
  waiting: Array<() => void>;
}

export function resolveQuotaLimits(overrides: QuotaLimitOverrides | undefined): QuotaLimits {
  const limits = { ...defaultQuotaLimits };
  for (const api of Object.keys(limits) as GoogleApiName[]) {
    limits[api] = { ...defaultQuotaLimits[api], ...overrides?.[api] };
  }
  return limits;
}

export function createQuotaManager(options: {
  clock: GoogleClock;
  project: string;
  limits?: QuotaLimitOverrides;
  onEvent?: (event: QuotaEvent) => void;
  /** Buckets and backoffs shared with other processes; unset: this process's own. */
  shared?: SharedQuotaBudget;
}): QuotaManager {
  const { clock, project, shared } = options;
  const limits = resolveQuotaLimits(options.limits);
  const buckets = new Map<string, Bucket>();
  const slots = new Map<string, Slots>();

  function bucketFor(scope: 'user' | 'project', api: GoogleApiName, key: string): Bucket | undefined {
    const limit = scope === 'user' ? limits[api].perUserPerMinute : limits[api].perProjectPerMinute;
    if (!Number.isFinite(limit)) return undefined;
    const id = `${scope}\n${api}\n${key}`;
    let bucket = buckets.get(id);
    if (!bucket) {
      const burst = Math.max(1, Math.min(limit, (limit / 60) * limits[api].burstSeconds));
      bucket = {
        tokens: burst,
        capacity: burst,
        refillRate: (limit - burst) / (shared ? 60_000 + LEASE_MS : 60_000),
        leases: [],
        updatedAt: clock.now(),
        stats: {
          scope,
          api,
          key,
          limitPerMinute: limit,
          unitsSpent: 0,
          requests: 0,
          waits: 0,
          waitedMs: 0,
          firstSpendAt: undefined,
          lastSpendAt: undefined,
        },
      };
      buckets.set(id, bucket);
    }
    return bucket;
  }

  function refill(bucket: Bucket, now: number): void {
    bucket.tokens = Math.min(bucket.capacity, bucket.tokens + (now - bucket.updatedAt) * bucket.refillRate);
    bucket.updatedAt = now;
  }

  /** Milliseconds until the bucket can pay `units` (a cost above capacity waits for a full bucket, then goes into debt). */
  function waitFor(bucket: Bucket, units: number): number {
    const needed = Math.min(units, bucket.capacity);
    if (bucket.tokens >= needed) return 0;
    if (bucket.refillRate <= 0) return 60_000;
    return Math.ceil((needed - bucket.tokens) / bucket.refillRate);
  }

  function spend(bucket: Bucket, units: number, now: number): void {
    bucket.tokens -= units;
    bucket.stats.unitsSpent += units;
    bucket.stats.requests += 1;
    bucket.stats.firstSpendAt ??= now;
    bucket.stats.lastSpendAt = now;
  }

  /** This manager's name among the callers of the shared budget. */
  const callerId = randomUUID();
  /** Per (api, user): how many processes call it, as last read from the shared budget, and when. */
  const callers = new Map<string, { count: number; checkedAt: number }>();
  const readingCallers = new Map<string, Promise<number>>();

  /** This process's share of the user's concurrency cap (all of it without a shared budget). */
  async function concurrencyCap(api: GoogleApiName, user: string): Promise<number> {
    const cap = limits[api].concurrencyPerUser;
    if (!shared) return cap;
    const id = `${api}\n${user}`;
    const known = callers.get(id);
    const now = clock.now();
    let count = known?.count ?? 1;
    if (!known || now - known.checkedAt >= CALLERS_CACHE_MS) {
      // One read at a time per (api, user), however many requests arrive meanwhile.
      let read = readingCallers.get(id);
      if (!read) {
        read = shared
          .callers({ scope: 'user', api, key: user }, callerId, CALLERS_TTL_MS)
          .then((answer) => {
            callers.set(id, { count: answer, checkedAt: now });
            return answer;
          })
          .finally(() => readingCallers.delete(id));
        readingCallers.set(id, read);
      }
      count = await read;
    }
    return Math.max(1, Math.floor(cap / Math.max(1, count)));
  }

  async function takeSlot(api: GoogleApiName, user: string): Promise<() => void> {
    const id = `${api}\n${user}`;
    let entry = slots.get(id);
    if (!entry) {
      entry = { used: 0, waiting: [] };
      slots.set(id, entry);
    }
    const slot = entry;
    let startedAt: number | undefined;
    // Again after each wait: the share may have shrunk meanwhile (another process began on the user).
    for (;;) {
      const cap = await concurrencyCap(api, user);
      if (slot.used < cap) break;
      startedAt ??= clock.now();
      await new Promise<void>((resolve) => slot.waiting.push(resolve));
    }
    if (startedAt !== undefined) {
      options.onEvent?.({ type: 'wait', api, user, bucket: 'concurrency', waitMs: clock.now() - startedAt });
    }
    slot.used += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      slot.used -= 1;
      slot.waiting.shift()?.();
    };
  }

  /**
   * Requests of one (user, API) take units in arrival order: without the queue, a flood of cheap
   * calls (history, 2 units) could keep an expensive one (import, 25 units) waiting forever.
   */
  const queues = new Map<string, Promise<void>>();

  async function takeUnitsInOrder(api: GoogleApiName, user: string, units: number): Promise<void> {
    const id = `${api}\n${user}`;
    const previous = queues.get(id) ?? Promise.resolve();
    let done: () => void = () => {};
    const mine = previous.then(() => new Promise<void>((resolve) => (done = resolve)));
    queues.set(id, mine);
    await previous;
    try {
      await takeUnits(api, user, units);
    } finally {
      done();
      if (queues.get(id) === mine) queues.delete(id);
    }
  }

  async function takeUnits(api: GoogleApiName, user: string, units: number): Promise<void> {
    const userBucket = bucketFor('user', api, user);
    const projectBucket = bucketFor('project', api, project);
    if (shared) return takeLeasedUnits(shared, api, user, units, [userBucket, projectBucket]);
    for (;;) {
      // Again after each wait: a backoff may have been recorded while this call waited for units.
      await waitOutBackoffs(api, user);
      const now = clock.now();
      let wait = 0;
      let waitingBucket: Bucket | undefined;
      for (const bucket of [userBucket, projectBucket]) {
        if (!bucket) continue;
        refill(bucket, now);
        const bucketWait = waitFor(bucket, units);
        if (bucketWait > wait) {
          wait = bucketWait;
          waitingBucket = bucket;
        }
      }
      if (!waitingBucket) {
        if (userBucket) spend(userBucket, units, now);
        if (projectBucket) spend(projectBucket, units, now);
        return;
      }
      waitingBucket.stats.waits += 1;
      waitingBucket.stats.waitedMs += wait;
      options.onEvent?.({ type: 'wait', api, user, bucket: waitingBucket.stats.scope, waitMs: wait });
      await clock.sleep(wait);
    }
  }

  /** Units this process may still spend from its leases of `bucket` (expired ones dropped). */
  function leased(bucket: Bucket, now: number): number {
    bucket.leases = bucket.leases.filter((lease) => lease.expiresAt > now && lease.tokens > 0);
    return bucket.leases.reduce((sum, lease) => sum + lease.tokens, 0);
  }

  function spendLeased(bucket: Bucket, units: number): void {
    let due = units;
    for (const lease of bucket.leases) {
      const paid = Math.min(due, lease.tokens);
      lease.tokens -= paid;
      due -= paid;
    }
  }

  function sharedShape(bucket: Bucket, api: GoogleApiName) {
    const { scope, key } = bucket.stats;
    return { scope, api, key, capacity: bucket.capacity, refillPerMs: bucket.refillRate };
  }

  /**
   * The shared-budget form of takeUnits: lease a chunk for each bucket whose leases cannot pay,
   * then spend. When one bucket must wait, the chunks just leased from the others go back rather
   * than expire unspent while this call sleeps.
   */
  async function takeLeasedUnits(
    budget: SharedQuotaBudget,
    api: GoogleApiName,
    user: string,
    units: number,
    candidates: Array<Bucket | undefined>,
  ): Promise<void> {
    const buckets = candidates.filter((bucket): bucket is Bucket => bucket !== undefined);
    for (;;) {
      await waitOutBackoffs(api, user);
      let wait = 0;
      let waitingBucket: Bucket | undefined;
      const fresh: Array<{ bucket: Bucket; lease: Lease }> = [];
      for (const bucket of buckets) {
        if (leased(bucket, clock.now()) >= units) continue;
        const oneSecond = bucket.stats.limitPerMinute / 60;
        const want = Math.max(units, Math.min(bucket.capacity, oneSecond));
        const answer = await budget.take(sharedShape(bucket, api), units, want);
        if (answer.granted > 0) {
          const lease = { tokens: answer.granted, expiresAt: clock.now() + LEASE_MS };
          bucket.leases.push(lease);
          fresh.push({ bucket, lease });
        } else if ('waitMs' in answer && answer.waitMs >= wait) {
          wait = answer.waitMs;
          waitingBucket = bucket;
        }
      }
      const now = clock.now();
      if (!waitingBucket) {
        // A lease taken first may have run out while the other was being leased: lease again.
        if (!buckets.every((bucket) => leased(bucket, now) >= units)) continue;
        for (const bucket of buckets) {
          spendLeased(bucket, units);
          spend(bucket, units, now);
        }
        return;
      }
      for (const { bucket, lease } of fresh) {
        bucket.leases = bucket.leases.filter((held) => held !== lease);
        await budget.giveBack(sharedShape(bucket, api), lease.tokens);
      }
      waitingBucket.stats.waits += 1;
      waitingBucket.stats.waitedMs += wait;
      options.onEvent?.({ type: 'wait', api, user, bucket: waitingBucket.stats.scope, waitMs: wait });
      await clock.sleep(Math.max(1, wait));
    }
  }

  /** Until when calls on a key wait, as far as this process knows, and when it last asked the shared budget. */
  const backoffs = new Map<string, { until: number; checkedAt: number }>();
  const backoffId = (key: SharedQuotaKey) => `${key.scope}\n${key.api}\n${key.key}`;

  async function backoffRemaining(keys: SharedQuotaKey[]): Promise<number> {
    const now = clock.now();
    const stale = shared
      ? keys.filter((key) => now - (backoffs.get(backoffId(key))?.checkedAt ?? -Infinity) >= BACKOFF_CACHE_MS)
      : [];
    const remote = stale.length > 0 && shared ? await shared.backoffs(stale) : [];
    stale.forEach((key, index) => {
      const known = backoffs.get(backoffId(key));
      const until = Math.max(known?.until ?? 0, now + (remote[index] ?? 0));
      backoffs.set(backoffId(key), { until, checkedAt: now });
    });
    return Math.max(0, ...keys.map((key) => (backoffs.get(backoffId(key))?.until ?? 0) - clock.now()));
  }

  async function waitOutBackoffs(api: GoogleApiName, user: string): Promise<void> {
    const keys: SharedQuotaKey[] = [
      { scope: 'user', api, key: user },
      { scope: 'project', api, key: project },
    ];
    for (;;) {
      const wait = await backoffRemaining(keys);
      if (wait <= 0) return;
      options.onEvent?.({ type: 'wait', api, user, bucket: 'backoff', waitMs: wait });
      await clock.sleep(wait);
    }
  }

  return {
    async rateLimited(api, user, scope, waitMs) {
      if (waitMs <= 0) return;
      const key: SharedQuotaKey = { scope, api, key: scope === 'user' ? user : project };
      const known = backoffs.get(backoffId(key));
      backoffs.set(backoffId(key), {
        until: Math.max(known?.until ?? 0, clock.now() + waitMs),
        checkedAt: known?.checkedAt ?? -Infinity,
      });
      await shared?.backOff(key, waitMs);
    },
    async acquire(api, user, units) {
      const release = await takeSlot(api, user);
      try {
        await takeUnitsInOrder(api, user, units);
      } catch (error) {
        release();
        throw error;
      }
      return release;
    },
    stats: () => [...buckets.values()].map((bucket) => ({ ...bucket.stats })),
    inFlight: (api, user) => slots.get(`${api}\n${user}`)?.used ?? 0,
  };
}
