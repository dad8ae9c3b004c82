// Commits a run's items: content goes into the repository first, then `commit()` flushes the
// repository (packs durable and indexed) and writes the item versions and the run's counters in
// ONE database transaction. Nothing is recorded as backed up before its bytes are durable, and
// a run killed between commits loses at most the uncommitted batch (redone on resume). The
// services call `commitWhenDue()` between their fetch groups and `commit()` at their end: a
// commit comes once COMMIT_ITEMS items or COMMIT_BYTES fetched bytes are pending (each commit
// finishes a pack, writes an index file and two statements; docs/benchmarks.md "End-to-end
// backup, round five"). Every write for a run requires the run to hold its source's lease still
// (`running`, its own holder and attempt): a run that lost it (stalled past its lease, another
// run of the source — or another attempt of the same run — took over) records nothing more — it
// would write over the newer run's current versions — and stops.

import type { Repository } from '@safehold/repository';
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import { backupItemVersions, backupRunErrors, backupRuns } from './tables.ts';

export interface CurrentVersion {
  version: number;
  objectId: string;
  contentHash: string;
  size: number;
  metadata: Record<string, unknown>;
}

export interface PutItem {
  key: string;
  objectId: string;
  contentHash: string;
  size: number;
  metadata: Record<string, unknown>;
  /** Bytes fetched from Google for this item (0 when only metadata changed). */
  fetchedBytes: number;
}

export interface RunRef {
  id: string;
  customerId: string;
  sourceId: string;
  /** The process holding the run's lease on its source (db/lease-holders.ts). */
  leaseHolder: string;
  /**
   * This execution of the run: the token its claim stored in `lease_attempt`. A retry of the
   * same run in the same process shares the holder, never the attempt.
   */
  leaseAttempt: string;
}

export interface RunHooks {
  /** Called after each commit with the number of items committed so far (tests abort runs here). */
  afterCommit?(committed: number): void | Promise<void>;
  /** Called after the run's manifest is written, before its end is recorded (tests take its lease here). */
  beforeFinish?(): void | Promise<void>;
}

export const LEASE_LOST_REASON = 'lease lost: another worker took over this source';

/**
 * The run no longer holds its source's lease: the stale-run sweep or another run's claim closed
 * it (failed, "interrupted") when its lease ran out or its holder looked dead, and another run
 * of the source may be writing now.
 */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor() {
    super(LEASE_LOST_REASON);
  }
}

/**
 * The run's row while this attempt of the run holds its lease (`running`, its holder, its
 * attempt token): what every write for the run is conditional on.
 */
export function holdingLease(run: Pick<RunRef, 'id' | 'leaseHolder' | 'leaseAttempt'>) {
  return and(
    eq(backupRuns.id, run.id),
    eq(backupRuns.status, 'running'),
    eq(backupRuns.leaseHolder, run.leaseHolder),
    eq(backupRuns.leaseAttempt, run.leaseAttempt),
  );
}

/** A run row's lease given up whole (expiry, holder, attempt): set when a run ends or is closed. */
export const LEASE_GIVEN_UP = { leaseExpiresAt: null, leaseHolder: null, leaseAttempt: null } as const;

type Pending = { kind: 'put'; item: PutItem } | { kind: 'close'; key: string };

/** Items pending before `commitWhenDue()` commits (fetch groups stay smaller: run-source.ts). */
export const COMMIT_ITEMS = 500;
/** Fetched bytes pending before `commitWhenDue()` commits: what a killed run fetches again. */
export const COMMIT_BYTES = 32 * 1024 * 1024;

/** When `commitWhenDue()` commits: at `items` pending items or `bytes` pending fetched bytes. */
export interface CommitThresholds {
  items: number;
  bytes: number;
}

/** A version's item key and content columns (what a run compares and a manifest keeps). */
export const versionContentColumns = {
  itemKey: backupItemVersions.itemKey,
  version: backupItemVersions.version,
  objectId: backupItemVersions.objectId,
  contentHash: backupItemVersions.contentHash,
  size: backupItemVersions.size,
  metadata: backupItemVersions.metadata,
};

export async function loadCurrentVersions(
  ctx: Pick<AppContext, 'db'>,
  sourceId: string,
): Promise<Map<string, CurrentVersion>> {
  const rows = await ctx.db
    .select(versionContentColumns)
    .from(backupItemVersions)
    .where(and(eq(backupItemVersions.sourceId, sourceId), isNull(backupItemVersions.validTo)));
  return new Map(rows.map((row) => [row.itemKey, row]));
}

function fetchedBytesOf(entry: Pending | undefined): number {
  return entry?.kind === 'put' ? entry.item.fetchedBytes : 0;
}

function storedBytes(versions: readonly NewVersionRow[]): number {
  return versions.reduce((sum, version) => sum + version.size, 0);
}

/** A new version as recordVersions sends it (the columns every row of a commit shares aside). */
interface NewVersionRow {
  item_key: string;
  version: number;
  object_id: string;
  content_hash: string;
  size: number;
  metadata: Record<string, unknown>;
}

/**
 * Records a commit's new versions and adds its counts to the run, in ONE statement (atomic on its
 * own, one round trip): the versions come as one JSON parameter the server expands (building the
 * SQL of a multi-row insert value by value was the largest share of a backup's own CPU). Only
 * while the run holds its lease: the run row's update is the check (its row lock also makes a
 * concurrent claim of the source wait for this commit), and the versions are inserted only if it
 * matched. Answers whether the run held its lease (false: nothing was written).
 */
async function recordVersions(
  db: Db,
  run: RunRef,
  validFrom: Date,
  rows: NewVersionRow[],
  counts: { added: number; changed: number; deleted: number; bytes: number },
): Promise<boolean> {
  const result = await db.execute(sql`
    with held as (
      update backup_runs
      set added = added + ${counts.added}, changed = changed + ${counts.changed},
        deleted = deleted + ${counts.deleted}, bytes = bytes + ${counts.bytes}
      where ${holdingLease(run)}
      returning id
    ),
    inserted as (
      insert into backup_item_versions
        (customer_id, source_id, run_id, valid_from, item_key, version, object_id, content_hash, size, metadata)
      select ${run.customerId}::uuid, ${run.sourceId}::uuid, held.id, ${validFrom.toISOString()}::timestamptz,
        r.item_key, r.version, r.object_id, r.content_hash, r.size, r.metadata
      from held, jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as r(item_key text, version integer, object_id text, content_hash text, size bigint, metadata jsonb)
    )
    select count(*)::int as held from held`);
  return ((result as unknown as { rows: Array<{ held: number }> }).rows[0]?.held ?? 0) > 0;
}

/** What a writer uses of the context; with `metrics`, committed items and their bytes count there. */
type WriterContext = Pick<AppContext, 'db' | 'clock'> & Partial<Pick<AppContext, 'metrics'>>;

export class RunWriter {
  readonly current: Map<string, CurrentVersion>;
  private readonly ctx: WriterContext;
  private readonly repository: Repository;
  private readonly run: RunRef;
  private readonly hooks: RunHooks;
  private readonly due: CommitThresholds;
  private pending = new Map<string, Pending>();
  private pendingBytes = 0;
  private chain: Promise<void> = Promise.resolve();
  private leaseLost = false;
  committed = 0;
  failed = 0;

  constructor(
    ctx: WriterContext,
    repository: Repository,
    run: RunRef,
    current: Map<string, CurrentVersion>,
    hooks: RunHooks = {},
    due: CommitThresholds = { items: COMMIT_ITEMS, bytes: COMMIT_BYTES },
  ) {
    this.ctx = ctx;
    this.repository = repository;
    this.run = run;
    this.current = current;
    this.hooks = hooks;
    this.due = due;
  }

  /**
   * Runs a repository put (putMail, putFile, putObject). Its id is durable after the next
   * flush, even when a concurrent put had claimed the blob (the repository's flush waits).
   */
  store<T>(work: (repository: Repository) => Promise<T>): Promise<T> {
    return work(this.repository);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** A new version of `item.key` (content already put into the repository). */
  put(item: PutItem): void {
    this.replacePending(item.key, { kind: 'put', item });
  }

  /** The item is gone from the source: its current version ends at the commit. */
  close(key: string): void {
    if (!this.current.has(key) && this.pending.get(key)?.kind !== 'put') return;
    this.replacePending(key, { kind: 'close', key });
  }

  private replacePending(key: string, entry: Pending): void {
    this.pendingBytes -= fetchedBytesOf(this.pending.get(key));
    this.pendingBytes += fetchedBytesOf(entry);
    this.pending.set(key, entry);
  }

  /** Whether a write found the run's lease gone (every later write throws LeaseLostError). */
  get lostLease(): boolean {
    return this.leaseLost;
  }

  /** An unchanged or already-stored item. */
  async skip(count = 1): Promise<void> {
    this.checkLease();
    const held = await this.ctx.db
      .update(backupRuns)
      .set({ skipped: sql`${backupRuns.skipped} + ${count}` })
      .where(holdingLease(this.run))
      .returning({ id: backupRuns.id });
    if (held.length === 0) this.loseLease();
  }

  /** An item that finally failed: recorded with its reason; the run ends `partial`. */
  async fail(key: string, reason: string): Promise<void> {
    this.checkLease();
    await this.ctx.db.transaction(async (tx) => {
      const held = await tx
        .update(backupRuns)
        .set({ failed: sql`${backupRuns.failed} + 1` })
        .where(holdingLease(this.run))
        .returning({ id: backupRuns.id });
      if (held.length === 0) this.loseLease();
      await tx
        .insert(backupRunErrors)
        .values({ runId: this.run.id, customerId: this.run.customerId, itemKey: key, reason });
    });
    this.failed += 1;
  }

  private checkLease(): void {
    if (this.leaseLost) throw new LeaseLostError();
  }

  private loseLease(): never {
    this.leaseLost = true;
    throw new LeaseLostError();
  }

  /**
   * Commits when enough is pending (the writer's thresholds), else nothing: called between fetch
   * groups, so a run commits every few hundred items, not every group.
   */
  commitWhenDue(): Promise<void> {
    if (this.pending.size >= this.due.items || this.pendingBytes >= this.due.bytes) return this.commit();
    return Promise.resolve();
  }

  /** Makes everything put so far durable and recorded. Commits are serialized. */
  commit(): Promise<void> {
    const next = this.chain.then(() => this.commitNow());
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async commitNow(): Promise<void> {
    this.checkLease();
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.pendingBytes = 0;
    // 1. Packs written whole and indexed (PostgreSQL) before any row names their blobs.
    await this.repository.flush();
    const now = this.ctx.clock.now();
    let added = 0;
    let changed = 0;
    let deleted = 0;
    let bytes = 0;
    const closing = batch
      .map((entry) => (entry.kind === 'put' ? entry.item.key : entry.key))
      .filter((key) => this.current.has(key));
    const inserts: NewVersionRow[] = [];
    for (const entry of batch) {
      if (entry.kind === 'close') {
        if (this.current.has(entry.key)) deleted += 1;
        continue;
      }
      const { item } = entry;
      const previous = this.current.get(item.key);
      if (previous) changed += 1;
      else added += 1;
      bytes += item.fetchedBytes;
      inserts.push({
        item_key: item.key,
        version: (previous?.version ?? 0) + 1,
        object_id: item.objectId,
        content_hash: item.contentHash,
        size: item.size,
        metadata: item.metadata,
      });
    }
    // 2. Close the replaced/deleted versions, insert the new ones, count: one statement when
    // nothing closes (an initial backup), else one transaction.
    // A run that lost its lease records nothing (a transaction's closings roll back).
    const counts = { added, changed, deleted, bytes };
    if (closing.length === 0) {
      if (!(await recordVersions(this.ctx.db, this.run, now, inserts, counts))) this.loseLease();
    } else {
      await this.ctx.db.transaction(async (tx) => {
        for (let i = 0; i < closing.length; i += 1000) {
          await tx
            .update(backupItemVersions)
            .set({ validTo: now, closedByRunId: this.run.id })
            .where(
              and(
                eq(backupItemVersions.sourceId, this.run.sourceId),
                inArray(backupItemVersions.itemKey, closing.slice(i, i + 1000)),
                isNull(backupItemVersions.validTo),
              ),
            );
        }
        if (!(await recordVersions(tx, this.run, now, inserts, counts))) this.loseLease();
      });
    }
    for (const entry of batch) {
      if (entry.kind === 'close') this.current.delete(entry.key);
      else {
        const { item } = entry;
        this.current.set(item.key, {
          version: (this.current.get(item.key)?.version ?? 0) + 1,
          objectId: item.objectId,
          contentHash: item.contentHash,
          size: item.size,
          metadata: item.metadata,
        });
      }
    }
    this.committed += batch.length;
    this.ctx.metrics?.itemsStored(inserts.length, storedBytes(inserts));
    await this.hooks.afterCommit?.(this.committed);
  }
}
