// The storage a QuotaManager shares with the other processes of an installation, so that N workers
// spend one user's and one project's quota once, not N times. This package stays storage-agnostic:
// the server implements it in PostgreSQL (modules/customers/quota-budget.ts); a manager without
// one keeps its buckets in memory.
import type { GoogleApiName } from '../scopes.ts';

/** One shared bucket or backoff: a (user, API) or a (project, API). */
export interface SharedQuotaKey {
  scope: 'user' | 'project';
  api: GoogleApiName;
  /** The user's email or the project id. */
  key: string;
}

/** A token bucket: at most `capacity` units, refilled at `refillPerMs` units per millisecond. */
export interface SharedBucketShape {
  capacity: number;
  refillPerMs: number;
}

export type SharedTake = { granted: number } | { granted: 0; waitMs: number };

export interface SharedQuotaBudget {
  /**
   * Refills the bucket by the time elapsed on the store's clock, then, if it holds at least
   * min(need, capacity), takes between `need` and `want` units (as many of `want` as it holds,
   * never fewer than `need`: a cost above capacity goes into debt) and answers how many. Otherwise
   * takes nothing and answers how long until `need` would be there. Atomic across processes.
   */
  take(bucket: SharedQuotaKey & SharedBucketShape, need: number, want: number): Promise<SharedTake>;
  /** Returns unspent leased units to the bucket (never above its capacity). */
  giveBack(bucket: SharedQuotaKey & SharedBucketShape, units: number): Promise<void>;
  /** Records that calls on `key` wait `ms` from now (a later backoff already recorded stays). */
  backOff(key: SharedQuotaKey, ms: number): Promise<void>;
  /** Milliseconds each key must still wait (0: none), in the order given. */
  backoffs(keys: SharedQuotaKey[]): Promise<number[]>;
  /**
   * Records that `caller` (one process's manager) calls `key` (a user's API) for the next
   * `ttlMs`, and answers how many callers, this one included, are calling it now: the user's
   * concurrency cap is divided among them.
   */
  callers(key: SharedQuotaKey, caller: string, ttlMs: number): Promise<number>;
}
