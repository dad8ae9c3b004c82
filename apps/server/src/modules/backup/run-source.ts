// Runs one backup of one source (a user's Gmail, Drive, Calendar or Contacts): marks the run
// running, commits items in batches (run-writer.ts), then — only when every item was
// committed — stores the new cursor. Every run that committed something writes its manifest
// (snapshot) into the tenant repository, so history can be rebuilt from the repository alone.
// A run that lost its source's lease (another run, or another attempt of the same run, took
// over) stops without writing anything more.
import { randomUUID } from 'node:crypto';
import { AuthorizationLostError, type GoogleClient } from '@safehold/google';
import type { Repository } from '@safehold/repository';
import { and, eq, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import {
  customerGoogleClient,
  ProjectQuotaSpentError,
  recordAuthorizationLost,
  systemAuditActor,
} from '../customers/index.ts';
import { getCustomer } from '../tenancy/index.ts';
import { type BackupService, INTERRUPTED_REASON, type RunResult, type RunStatus } from './backup-types.ts';
import { backupCalendar } from './calendar-backup.ts';
import { backupContacts } from './contacts-backup.ts';
import { backupDrive } from './drive-backup.ts';
import { backupGmail } from './gmail-backup.ts';
import {
  COMMIT_BYTES,
  COMMIT_ITEMS,
  holdingLease,
  LEASE_GIVEN_UP,
  LEASE_LOST_REASON,
  LeaseLostError,
  loadCurrentVersions,
  type RunHooks,
  RunWriter,
  versionContentColumns,
} from './run-writer.ts';
import type { ServiceResult, ServiceRun } from './service-context.ts';
import { backupItemVersions, backupRunErrors, backupRuns, backupSources } from './tables.ts';
import { openTenantRepository } from './tenant-repository.ts';

export type { BackupService, RunResult, RunStatus } from './backup-types.ts';
export { backupServices } from './backup-types.ts';

export const AUTHORISATION_LOST_REASON =
  'authorisation lost: domain-wide delegation for the Safehold service account is missing or revoked — ' +
  're-grant its client id and scopes in the Google admin console (Security → API controls → Domain-wide delegation)';

export interface RunSourceOptions {
  /** The Google client (default: from the configuration's service-account key). */
  google?: GoogleClient;
  hooks?: RunHooks;
  signal?: AbortSignal;
  /** An already-open tenant repository to use (not closed here). */
  repository?: Repository;
  /**
   * Items pending that make a commit due (default COMMIT_ITEMS, 500; checked between fetch
   * groups, so a commit can take up to a group more; a commit also comes once COMMIT_BYTES
   * fetched bytes are pending). Items are fetched and stored in groups of FETCH_GROUP (100), or
   * of this size when smaller (tests lower it to interrupt runs between commits).
   */
  groupSize?: number;
  /** Fetched bytes pending before a commit (default COMMIT_BYTES, 32 MiB). */
  commitBytes?: number;
  /** Items per fetch group (default FETCH_GROUP, 100; at most `groupSize`). */
  fetchGroup?: number;
  /**
   * When another run of the source holds the lease: `skip` (default) ends this run as failed
   * ("already running"); `defer` leaves it queued and returns `busyUntil` (the job requeues it).
   */
  onBusy?: 'skip' | 'defer';
  /** Length of the source lease, renewed while the run lives. Default 5 minutes. */
  leaseMs?: number;
}

export const DEFAULT_LEASE_MS = 5 * 60_000;
/** Items a service fetches and stores together (one group's requests, stores and commit check). */
export const FETCH_GROUP = 100;
export const ALREADY_RUNNING_REASON = 'skipped: another run of this source is already running';

const handlers: Record<BackupService, (run: ServiceRun) => Promise<ServiceResult>> = {
  gmail: backupGmail,
  drive: backupDrive,
  calendar: backupCalendar,
  contacts: backupContacts,
};

/** Executes the queued (or interrupted, still `running`) run `runId`. Finished runs are left alone. */
export async function runSourceBackup(
  ctx: AppContext,
  runId: string,
  options: RunSourceOptions = {},
): Promise<RunResult> {
  const [row] = await ctx.db
    .select({ run: backupRuns, source: backupSources })
    .from(backupRuns)
    .innerJoin(backupSources, eq(backupSources.id, backupRuns.sourceId))
    .where(eq(backupRuns.id, runId));
  if (!row) throw new Error(`backup run ${runId} does not exist`);
  const { run, source } = row;
  if (run.status !== 'queued' && run.status !== 'running') {
    return { runId, sourceId: source.id, status: run.status, error: run.error };
  }
  const startedAt = run.startedAt ?? ctx.clock.now();
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  // This execution's token: the holder names the process, the attempt this claim of the run.
  const attempt = randomUUID();
  const busyUntil = await claimSourceLease(ctx, source.id, runId, startedAt, leaseMs, attempt);
  if (busyUntil === RUN_ENDED) {
    // Another attempt ended the run after it was read above: answered as that attempt ended it.
    const ended = (await runAsItStands(ctx, runId)) ?? { status: run.status, error: run.error };
    return { runId, sourceId: source.id, ...ended };
  }
  if (busyUntil) {
    if (options.onBusy === 'defer') {
      return { runId, sourceId: source.id, status: 'queued', error: ALREADY_RUNNING_REASON, busyUntil };
    }
    const finishedAt = ctx.clock.now();
    await ctx.db
      .update(backupRuns)
      .set({ status: 'failed', error: ALREADY_RUNNING_REASON, finishedAt })
      .where(and(eq(backupRuns.id, runId), eq(backupRuns.status, 'queued')));
    return { runId, sourceId: source.id, status: 'failed', error: ALREADY_RUNNING_REASON };
  }
  // Each process says when it took and gave up a source's lease (with its holder id), so an
  // operator — and the scale-out test — can see who ran a source when.
  const leaseHolder = await ctx.database.leases.self();
  const leaseLog = ctx.logger.child({ component: 'backup', runId, sourceId: source.id, leaseHolder, attempt });
  leaseLog.info('backup run lease taken');
  const lease: RunLease = {
    holder: leaseHolder,
    attempt,
    released: false,
    taken: false,
    lost: new AbortController(),
  };
  // The lease is renewed while the run lives; a worker that dies stops renewing it. A renewal
  // that finds the run no longer holding it (closed by the sweep or another run's claim, or the
  // run claimed again by another attempt) stops the run's fetching (the services check the
  // signal); its writes are refused anyway.
  const renewal = setInterval(
    () => {
      ctx.db
        .update(backupRuns)
        .set({ leaseExpiresAt: new Date(ctx.clock.now().getTime() + leaseMs) })
        .where(holdingLease({ id: runId, leaseHolder, leaseAttempt: attempt }))
        .returning({ id: backupRuns.id })
        .then((held) => {
          if (held.length === 0 && !lease.released) lease.lost.abort(new LeaseLostError());
        })
        .catch((failure: unknown) => ctx.logger.warn({ err: failure, runId }, 'backup run lease not renewed'));
    },
    Math.max(1000, Math.floor(leaseMs / 5)),
  );
  renewal.unref();
  try {
    return await executeRun(ctx, runId, source, startedAt, options, lease);
  } finally {
    clearInterval(renewal);
    // A run that ended normally gave its lease up in the statement that finished it. Only this
    // attempt's: a later attempt of the run in this same process holds it under its own token.
    // Only of an ended row: one still `running` (its failure could not be recorded) keeps its
    // lease until it runs out, then the stale-run sweep or the next claim closes it as a dead
    // worker's — without a lease the sweep would never close it.
    if (!lease.released) {
      await ctx.db
        .update(backupRuns)
        .set(LEASE_GIVEN_UP)
        .where(
          and(
            eq(backupRuns.id, runId),
            ne(backupRuns.status, 'running'),
            eq(backupRuns.leaseHolder, leaseHolder),
            eq(backupRuns.leaseAttempt, attempt),
          ),
        )
        .catch((failure: unknown) => ctx.logger.warn({ err: failure, runId }, 'backup run lease not released'));
    }
    // A lease taken from the run ended when it was taken, not now (the run cannot know when).
    if (lease.taken) leaseLog.warn('backup run lease lost');
    else leaseLog.info('backup run lease released');
  }
}

/** What claimSourceLease answers when the run ended (another attempt of it) before its claim. */
const RUN_ENDED = Symbol('run ended');

/** The run's hold on its source, as this process knows it. */
interface RunLease {
  holder: string;
  /** This execution's token (`lease_attempt`), set by its claim. */
  attempt: string;
  /** The run's end was recorded (the statement that did also gave the lease up). */
  released: boolean;
  /** The run found its lease taken (by the stale-run sweep or another run's claim). */
  taken: boolean;
  /** Aborted when a renewal finds the lease gone. */
  lost: AbortController;
}

/**
 * Takes the source's lease for `runId`, atomically: the source row is locked, so two claims of
 * one source serialise. Another run of the source that is `running` with a lease still in force
 * wins (its expiry is returned); one whose lease ran out, or whose holder process is known to be
 * dead (db/lease-holders.ts: at once after a crash, not minutes later), was left by a dead
 * worker and is closed as failed — its committed items stay (and go into this run's manifest),
 * its cursor was never stored (a run that had only stalled finds its lease gone at its next write
 * and stops: docs/backup.md, "A run that lost its lease"). The run itself may be `running`
 * already (a retried job): its own lease then counts too. The claim stores `attempt` as the
 * run's `lease_attempt`: an earlier attempt of the run — even in this same process, under the
 * same holder — finds its writes refused from then on. Only a run still `queued` or `running`
 * is claimed: one that another attempt ended after runSourceBackup read it is left as it ended
 * (RUN_ENDED), and the claim then closes no other run either.
 */
async function claimSourceLease(
  ctx: AppContext,
  sourceId: string,
  runId: string,
  startedAt: Date,
  leaseMs: number,
  attempt: string,
): Promise<Date | typeof RUN_ENDED | null> {
  const now = ctx.clock.now();
  const self = await ctx.database.leases.self();
  return ctx.db.transaction(async (tx) => {
    await tx.execute(sql`select id from backup_sources where id = ${sourceId} for update`);
    const holders = await tx
      .select({ id: backupRuns.id, leaseExpiresAt: backupRuns.leaseExpiresAt, leaseHolder: backupRuns.leaseHolder })
      .from(backupRuns)
      .where(and(eq(backupRuns.sourceId, sourceId), eq(backupRuns.status, 'running')));
    const dead = await ctx.database.leases.dead(holders.flatMap((holder) => holder.leaseHolder ?? []));
    const live = holders.find(
      (holder) =>
        holder.leaseExpiresAt &&
        holder.leaseExpiresAt.getTime() > now.getTime() &&
        !(holder.leaseHolder && dead.has(holder.leaseHolder)),
    );
    if (live?.leaseExpiresAt) return live.leaseExpiresAt;
    // The left runs closed and this one marked running in one statement (their rows differ),
    // only while this run is not ended: an attempt that ended it meanwhile (its end's row lock
    // makes this wait, then the row no longer matches) leaves nothing to claim.
    const at = now.toISOString();
    const claimed = await tx.execute(sql`
      with claimed as (
        update backup_runs
        set status = 'running', started_at = ${startedAt.toISOString()}::timestamptz,
          lease_expires_at = ${new Date(now.getTime() + leaseMs).toISOString()}::timestamptz,
          lease_holder = ${self}, lease_attempt = ${attempt}::uuid, ran_by = ${self}
        where id = ${runId}::uuid and status in ('queued', 'running')
        returning id
      ),
      left_runs as (
        update backup_runs
        set status = 'failed', error = ${INTERRUPTED_REASON}, finished_at = ${at}::timestamptz,
          lease_expires_at = null, lease_holder = null, lease_attempt = null
        where source_id = ${sourceId}::uuid and status = 'running' and id <> ${runId}::uuid
          and exists (select 1 from claimed)
      )
      select id from claimed`);
    return (claimed as unknown as { rows: unknown[] }).rows.length > 0 ? null : RUN_ENDED;
  });
}

async function executeRun(
  ctx: AppContext,
  runId: string,
  source: typeof backupSources.$inferSelect,
  startedAt: Date,
  options: RunSourceOptions,
  lease: RunLease,
): Promise<RunResult> {
  const log = ctx.logger.child({ component: 'backup', runId, sourceId: source.id, service: source.service });
  const ref = {
    id: runId,
    customerId: source.customerId,
    sourceId: source.id,
    leaseHolder: lease.holder,
    leaseAttempt: lease.attempt,
  };
  let repository: Repository | undefined = options.repository;
  const ownRepository = !repository;
  let status: RunStatus = 'failed';
  let error: string | null = null;
  let projectQuotaSpent = false;
  let leaseLost = false;
  try {
    repository ??= await openTenantRepository(ctx, source.customerId);
    const commitItems = options.groupSize ?? COMMIT_ITEMS;
    const writer = new RunWriter(ctx, repository, ref, await loadCurrentVersions(ctx, source.id), options.hooks, {
      items: commitItems,
      bytes: options.commitBytes ?? COMMIT_BYTES,
    });
    const google = options.google ?? (await customerGoogleClient(ctx, source.customerId));
    let result: ServiceResult | undefined;
    try {
      result = await handlers[source.service]({
        db: ctx.db,
        customerId: source.customerId,
        google,
        email: source.subjectEmail,
        driveId: source.subjectKind === 'shared_drive' ? source.subjectId : undefined,
        repository,
        writer,
        cursor: source.cursor ?? null,
        signal: options.signal ? AbortSignal.any([options.signal, lease.lost.signal]) : lease.lost.signal,
        groupSize: Math.min(commitItems, options.fetchGroup ?? FETCH_GROUP),
      });
    } catch (failure) {
      if (failure instanceof LeaseLostError || writer.lostLease) {
        leaseLost = true;
      } else if (failure instanceof ProjectQuotaSpentError) {
        // The project's quota day is spent: what was committed stays, the items not reached
        // wait for the next run after midnight Pacific — partial with the reason, not failed.
        error = failure.message;
        projectQuotaSpent = true;
        log.warn({ project: failure.project, api: failure.api }, 'backup run stopped: project daily quota spent');
      } else if (failure instanceof AuthorizationLostError) {
        error = AUTHORISATION_LOST_REASON;
        log.warn({ scopes: failure.scopes }, 'backup run failed: authorisation lost');
        await markAuthorizationLost(ctx, source.customerId, google, failure);
      } else {
        error = failure instanceof Error ? failure.message : String(failure);
        log.error({ err: failure }, 'backup run failed');
      }
    }
    const finishedAt = ctx.clock.now();
    if (result) status = writer.failed > 0 ? 'partial' : 'success';
    else if (projectQuotaSpent) status = 'partial';
    // The manifest: versions this run (and earlier runs of this source that never wrote one)
    // created or closed. Written after every commit, so it names only durable blobs. Not by a
    // run that lost its lease (writeRunManifest finds that in the run rows it reads).
    const snapshotId = leaseLost
      ? LEASE_LOST
      : await writeRunManifest(ctx, repository, source, runId, lease, status, startedAt, finishedAt, result, error);
    if (snapshotId === LEASE_LOST) leaseLost = true;
    else {
      await options.hooks?.beforeFinish?.();
      const items = await finishRun(ctx, {
        runId,
        leaseHolder: lease.holder,
        leaseAttempt: lease.attempt,
        sourceId: source.id,
        status,
        error,
        mode: result?.mode ?? null,
        snapshotId,
        startedAt,
        finishedAt,
        // The cursor moves only now: every item of the run is committed.
        cursor: status === 'success' && result ? result.cursor : null,
      });
      if (items === null) leaseLost = true;
      else {
        lease.released = true;
        log.info({ status, mode: result?.mode, items }, 'backup run finished');
      }
    }
    if (leaseLost) {
      lease.taken = true;
      ({ status, error } = await recordLeaseLost(ctx, runId));
      log.warn(
        { committed: writer.committed },
        'backup run stopped: lease lost, another worker took over this source (its commits stay)',
      );
    }
  } catch (failure) {
    // Infrastructure failure (database, storage): the run is failed, nothing advanced.
    error = failure instanceof Error ? failure.message : String(failure);
    status = 'failed';
    log.error({ err: failure }, 'backup run could not complete');
    await ctx.db
      .update(backupRuns)
      .set({ status, error, finishedAt: ctx.clock.now() })
      .where(holdingLease(ref))
      .catch(() => undefined);
  } finally {
    if (ownRepository) await repository?.close();
  }
  return { runId, sourceId: source.id, status, error };
}

/**
 * A run that lost its lease was already closed by whoever took it (the stale-run sweep, or
 * another run's claim of the source): failed, "interrupted", at the time it was taken, its
 * versions left for the next manifest of the source. It writes nothing more but the reason it
 * now knows — and only over that one, on a row still failed. Answers the run as its row now
 * shows it: failed with the reason; or — when another attempt re-claimed this same run (its job
 * sent again after the stall, fetched by another worker or by this same process: its own
 * `lease_attempt`) — as that attempt left it (`running`: it reports the run's end; an end it
 * recorded: as an attempt that finds its run ended answers), never a failure of its own.
 */
async function recordLeaseLost(ctx: AppContext, runId: string): Promise<{ status: RunStatus; error: string | null }> {
  const [closed] = await ctx.db
    .update(backupRuns)
    .set({ error: LEASE_LOST_REASON })
    .where(and(eq(backupRuns.id, runId), eq(backupRuns.status, 'failed'), eq(backupRuns.error, INTERRUPTED_REASON)))
    .returning({ status: backupRuns.status, error: backupRuns.error });
  if (closed) return closed;
  return (await runAsItStands(ctx, runId)) ?? { status: 'failed', error: LEASE_LOST_REASON };
}

/** The run's status and error as its row now shows them (another attempt may have ended it). */
async function runAsItStands(
  ctx: AppContext,
  runId: string,
): Promise<{ status: RunStatus; error: string | null } | undefined> {
  const [row] = await ctx.db
    .select({ status: backupRuns.status, error: backupRuns.error })
    .from(backupRuns)
    .where(eq(backupRuns.id, runId));
  return row;
}

/**
 * The tenant-level condition (customers/authorization.ts): the connection becomes `lost`, the
 * scheduler stops queueing the tenant, and its admins get one email — the first run to see it
 * sends it, the others find the condition already recorded.
 */
async function markAuthorizationLost(
  ctx: AppContext,
  customerId: string,
  google: GoogleClient,
  failure: AuthorizationLostError,
): Promise<void> {
  try {
    const customer = await getCustomer(ctx.db, customerId);
    if (!customer) return;
    await recordAuthorizationLost(
      { db: ctx.db, clock: ctx.clock, audit: ctx.audit, mail: ctx.mail, publicUrl: () => ctx.config.publicUrl },
      google,
      customer,
      failure,
      systemAuditActor('backup'),
    );
  } catch (error) {
    // The run still ends failed with the reason; the next directory sync records the condition.
    ctx.logger.error({ err: error, customerId }, 'could not record the lost authorisation');
  }
}

/** What writeRunManifest answers when the run's row shows its lease gone (no manifest written). */
const LEASE_LOST = Symbol('lease lost');

async function writeRunManifest(
  ctx: AppContext,
  repository: Repository,
  source: typeof backupSources.$inferSelect,
  runId: string,
  lease: Pick<RunLease, 'holder' | 'attempt'>,
  status: RunStatus,
  startedAt: Date,
  finishedAt: Date,
  result: ServiceResult | undefined,
  error: string | null,
): Promise<string | null | typeof LEASE_LOST> {
  const unmanifested = ctx.db
    .select({ id: backupRuns.id })
    .from(backupRuns)
    .where(
      and(
        eq(backupRuns.sourceId, source.id),
        isNull(backupRuns.snapshotId),
        or(eq(backupRuns.id, runId), eq(backupRuns.status, 'failed')),
      ),
    );
  // Only what the manifest keeps (not the search vector: its text is as large as the metadata).
  const versions = await ctx.db
    .select({
      ...versionContentColumns,
      validFrom: backupItemVersions.validFrom,
      validTo: backupItemVersions.validTo,
      runId: backupItemVersions.runId,
      closedByRunId: backupItemVersions.closedByRunId,
    })
    .from(backupItemVersions)
    .where(
      and(
        eq(backupItemVersions.sourceId, source.id),
        or(inArray(backupItemVersions.runId, unmanifested), inArray(backupItemVersions.closedByRunId, unmanifested)),
      ),
    );
  if (versions.length === 0 && !result) return null;
  // v2 (recover.ts): the domain, the run's counters and errors and the earlier failed runs this
  // manifest covers, so `safehold recover` can rebuild the run rows, not only the versions.
  const customer = await getCustomer(ctx.db, source.customerId);
  const runRows = await ctx.db.select().from(backupRuns).where(inArray(backupRuns.id, unmanifested));
  // The run's own row, read here anyway, says whether it still holds its lease (no statement of
  // its own for that check): gone from the list, it was closed and covered by the run that took
  // over; not `running` under this holder and attempt, it was closed, or claimed again by
  // another attempt, and another run or attempt may be writing.
  const own = runRows.find((row) => row.id === runId);
  if (own?.status !== 'running' || own.leaseHolder !== lease.holder || own.leaseAttempt !== lease.attempt) {
    return LEASE_LOST;
  }
  const runIds = runRows.map((row) => row.id);
  const errorRows =
    runIds.length === 0
      ? []
      : await ctx.db
          .select({ runId: backupRunErrors.runId, key: backupRunErrors.itemKey, reason: backupRunErrors.reason })
          .from(backupRunErrors)
          .where(inArray(backupRunErrors.runId, runIds));
  const counters = (row: typeof backupRuns.$inferSelect) => ({
    trigger: row.trigger,
    added: row.added,
    changed: row.changed,
    deleted: row.deleted,
    skipped: row.skipped,
    failed: row.failed,
    bytes: row.bytes,
    queuedAt: row.queuedAt.toISOString(),
    errors: errorRows.filter((entry) => entry.runId === row.id).map(({ key, reason }) => ({ key, reason })),
  });
  const snapshot = await repository.writeSnapshot({
    kind: 'backup-run',
    roots: [...new Set(versions.map((version) => version.objectId))],
    // Every version here was recorded by a commit, after the repository flush that made its
    // content durable (RunWriter.commit): no need to flush other runs' puts first.
    rootsDurable: true,
    data: {
      v: 2,
      customerId: source.customerId,
      domain: customer?.domain ?? null,
      customerName: customer?.name ?? null,
      source: {
        id: source.id,
        subjectKind: source.subjectKind,
        subjectId: source.subjectId,
        subjectEmail: source.subjectEmail,
        service: source.service,
      },
      run: {
        id: runId,
        status,
        mode: result?.mode ?? null,
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        error,
        ...counters(own),
      },
      coveredRuns: runRows
        .filter((row) => row.id !== runId)
        .map((row) => ({
          id: row.id,
          status: row.status,
          mode: row.mode,
          error: row.error,
          startedAt: row.startedAt?.toISOString() ?? null,
          finishedAt: row.finishedAt?.toISOString() ?? null,
          ...counters(row),
        })),
      // The cursor is only meaningful for a successful run (the one the database stores).
      cursor: status === 'success' ? (result?.cursor ?? null) : null,
      versions: versions.map((version) => ({
        key: version.itemKey,
        version: version.version,
        objectId: version.objectId,
        contentHash: version.contentHash,
        size: version.size,
        metadata: version.metadata,
        validFrom: version.validFrom.toISOString(),
        validTo: version.validTo?.toISOString() ?? null,
        runId: version.runId,
        closedByRunId: version.closedByRunId,
      })),
    },
  });
  // Earlier runs whose versions this manifest covers are pointed at it by finishRun.
  return snapshot.id;
}

/**
 * Ends a run in ONE statement (atomic, one round trip; it was a count, a transaction of two
 * updates and two more updates, for every source of every backup): the run's status and
 * counters with what the source holds at this backup point (the per-user figures: items and
 * sizes of the current versions), its lease given up, the earlier failed runs its manifest
 * covers pointed at it, and — for a successful run — the source's new cursor. Only while the run
 * holds its lease (`running`, its own holder and attempt): a run that lost it changes nothing
 * here — neither its row (the sweep or the claim that took the lease closed it, or another
 * attempt of the run holds it) nor the cursor, which the run or attempt that took over may have
 * moved. Answers the item count, or null when the lease was lost.
 */
async function finishRun(
  ctx: AppContext,
  run: {
    runId: string;
    leaseHolder: string;
    leaseAttempt: string;
    sourceId: string;
    status: RunStatus;
    error: string | null;
    mode: ServiceResult['mode'] | null;
    snapshotId: string | null;
    startedAt: Date;
    finishedAt: Date;
    cursor: Record<string, unknown> | null;
  },
): Promise<number | null> {
  const finishedAt = run.finishedAt.toISOString();
  const cursor = run.cursor === null ? null : JSON.stringify(run.cursor);
  // Every part sees the rows as they were before the statement: the failed runs matched by
  // `covered` exclude this run, whose status `running` changes only in `finished`. The other
  // parts act only if `finished` matched (its row lock makes a concurrent claim wait, and a
  // claim that got there first leaves the row not `running`, so `finished` matches nothing).
  const result = await ctx.db.execute(sql`
    with totals as (
      select count(*)::int as items, coalesce(sum(size), 0)::bigint as stored_bytes
      from backup_item_versions
      where source_id = ${run.sourceId}::uuid and valid_to is null
    ),
    finished as (
      update backup_runs
      set status = ${run.status}, error = ${run.error}::text, mode = ${run.mode}::text, items = totals.items,
        stored_bytes = totals.stored_bytes, snapshot_id = ${run.snapshotId}::text,
        finished_at = ${finishedAt}::timestamptz, duration_ms = ${run.finishedAt.getTime() - run.startedAt.getTime()},
        lease_expires_at = null, lease_holder = null, lease_attempt = null
      from totals
      where ${holdingLease({ id: run.runId, leaseHolder: run.leaseHolder, leaseAttempt: run.leaseAttempt })}
      returning totals.items
    ),
    covered as (
      update backup_runs set snapshot_id = ${run.snapshotId}::text
      where ${run.snapshotId}::text is not null and source_id = ${run.sourceId}::uuid
        and snapshot_id is null and status = 'failed' and id <> ${run.runId}::uuid
        and exists (select 1 from finished)
    ),
    moved as (
      update backup_sources
      set cursor = ${cursor}::jsonb, cursor_updated_at = ${finishedAt}::timestamptz,
        last_success_at = ${finishedAt}::timestamptz
      where ${cursor}::jsonb is not null and id = ${run.sourceId}::uuid and exists (select 1 from finished)
    )
    select items from finished`);
  return (result as unknown as { rows: Array<{ items: number }> }).rows[0]?.items ?? null;
}
