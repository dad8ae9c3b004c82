// The restore's rows: creating a restore (its backup point resolved, its target checked), the
// plan of its items (restore_items, written before anything is created), the per-item state
// changes, the counts for progress, and the paged status the API and CLI show. Every query
// carries the customer id (tenant isolation).

import { randomUUID } from 'node:crypto';
import { and, asc, count, desc, eq, gt, inArray, ne, type SQL, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import {
  type BackupService,
  findSource,
  resolveBackupPoint,
  selectionMisfit,
  subjectKey,
  type VersionSelection,
  versionKey,
  versionsByKey,
} from '../backup/index.ts';
import { itemKeysMatching, itemTitle, QueryError } from '../search/index.ts';
import { getCustomer } from '../tenancy/index.ts';
import { restoreItems, restores } from './tables.ts';

export type Restore = typeof restores.$inferSelect;
export type RestoreItemRow = typeof restoreItems.$inferSelect;
export type RestoreStatus = Restore['status'];
export type ItemStatus = RestoreItemRow['status'];

/** What to restore: nothing narrowed = the whole service (the backup module matches it). */
export type RestoreSelection = VersionSelection;

export interface RestoreRequest {
  /** The backed-up subject: a user's email, or a shared drive's id (as the browse API names them). */
  user: string;
  service: BackupService;
  asOf?: Date;
  /**
   * Another user of the same domain; default the user itself. A shared drive: default the drive
   * itself, or a user of the domain (into their My Drive, under "Restored <date>").
   */
  to?: string;
  inPlace?: boolean;
  selection?: RestoreSelection;
  /** Drive: recreate sharing permissions (always without notification emails). */
  permissions?: boolean;
  requestedBy: string;
}

/** A request that cannot be honoured as given (the API answers 422, the CLI exits 2). */
export class RestoreRequestError extends Error {
  override name = 'RestoreRequestError';
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/** "Restored 2026-11-24": the label / folder a restore puts everything under (unless in place). */
export function containerNameFor(at: Date): string {
  return `Restored ${at.toISOString().slice(0, 10)}`;
}

/** What validating a restore request needs of the context. */
export type RestoreRequestDeps = Pick<AppContext, 'db' | 'clock'>;

/**
 * The queued restore row a request asks for: its source and backup point resolved, its
 * target and selection checked. Writes nothing; a request it cannot honour throws a
 * RestoreRequestError naming the field at fault.
 */
export async function restoreRowFor(
  deps: RestoreRequestDeps,
  customerId: string,
  request: RestoreRequest,
): Promise<typeof restores.$inferInsert> {
  const source = await findSource(deps.db, customerId, request.user, request.service);
  if (!source) {
    throw new RestoreRequestError('user', `No ${request.service} backup of ${request.user} in this domain.`);
  }
  const point = await resolveBackupPoint(deps.db, customerId, source.id, request.asOf);
  if (!point) {
    throw new RestoreRequestError(
      'asOf',
      request.asOf
        ? `No backup point of ${request.user} ${request.service} at or before ${request.asOf.toISOString()}.`
        : `${request.user} ${request.service} has no backup point yet.`,
    );
  }
  const customer = await getCustomer(deps.db, customerId);
  const domain = customer?.domain.toLowerCase() ?? '';
  const drive = source.subjectKind === 'shared_drive' ? source.subjectId : null;
  const to = drive ? targetOfDrive(drive, request, domain) : (request.to ?? source.subjectEmail).toLowerCase();
  if (!drive && to.split('@')[1] !== domain) {
    throw new RestoreRequestError('to', `A restore goes to a user of ${domain} only (got ${to}).`);
  }
  const selection: RestoreSelection = { ...request.selection };
  if (selection.query !== undefined) {
    selection.items = await itemKeysMatching(
      deps.db,
      customerId,
      source.id,
      point.at,
      selection.query,
      selection.items,
    ).catch((error: unknown) => {
      if (error instanceof QueryError) throw new RestoreRequestError('query', error.message);
      throw error;
    });
  }
  const misfit = selectionMisfit(request.service, selection);
  if (misfit) throw new RestoreRequestError(misfit.field, misfit.message);
  const now = deps.clock.now();
  return {
    id: randomUUID(),
    customerId,
    sourceId: source.id,
    service: request.service,
    fromEmail: drive ?? source.subjectEmail.toLowerCase(),
    toEmail: to,
    sharedDriveId: drive,
    driveMember: drive ? source.subjectEmail.toLowerCase() : null,
    pointRunId: point.runId,
    asOf: point.at,
    selection: { ...selection },
    inPlace: request.inPlace ?? false,
    containerName: containerNameFor(now),
    restorePermissions: request.permissions ?? false,
    requestedBy: request.requestedBy,
    createdAt: now,
  };
}

/**
 * Where a shared drive's restore goes: the drive itself (no `to`, or `to` its id), or a user of
 * the domain — into their My Drive under "Restored <date>", never in place (their My Drive has
 * no original folders of the drive). A deleted drive can only be restored to a user.
 */
function targetOfDrive(driveId: string, request: RestoreRequest, domain: string): string {
  if (request.to === undefined || request.to === driveId) return driveId;
  const to = request.to.toLowerCase();
  if (to.split('@')[1] !== domain) {
    throw new RestoreRequestError(
      'to',
      `A shared drive is restored into itself or into a user of ${domain} only (got ${request.to}).`,
    );
  }
  if (request.inPlace) {
    throw new RestoreRequestError(
      'inPlace',
      `In place restores a shared drive into itself only; into ${to}'s My Drive it goes under "Restored <date>".`,
    );
  }
  return to;
}

/** Writes a queued restore row (without its job: startRestore adds both at once). */
export async function insertRestore(db: Pick<Db, 'insert'>, values: typeof restores.$inferInsert): Promise<Restore> {
  const [row] = await db.insert(restores).values(values).returning();
  if (!row) throw new Error('the restore row was not written');
  return row;
}

/** Creates the restore row (queued, no job): tests that run it themselves. */
export async function createRestore(
  deps: RestoreRequestDeps,
  customerId: string,
  request: RestoreRequest,
): Promise<Restore> {
  return insertRestore(deps.db, await restoreRowFor(deps, customerId, request));
}

export async function getRestore(db: Db, customerId: string, restoreId: string): Promise<Restore | null> {
  const [row] = await db
    .select()
    .from(restores)
    .where(and(eq(restores.customerId, customerId), eq(restores.id, restoreId)));
  return row ?? null;
}

/** Narrowing of the tenant's restore list: the backed-up user (or the target user) and the status. */
export interface RestoreFilter {
  user?: string;
  /**
   * Only restores of this user's data (the backed-up user alone): an end user's list, which
   * must not show another user's data restored into their account (its page answers 404).
   */
  dataOf?: string;
  status?: RestoreStatus;
}

/**
 * The tenant's restores, newest first, one page of them and how many match: the
 * "Restores and exports" page and a user's page (`user` matches the backed-up user or the one
 * restored into, so a restore into someone shows on their page too).
 */
export async function listRestores(
  db: Db,
  customerId: string,
  page: { limit: number; offset: number } & RestoreFilter,
): Promise<{ restores: Restore[]; total: number }> {
  const user = page.user === undefined ? undefined : subjectKey(page.user);
  const where = and(
    eq(restores.customerId, customerId),
    user ? sql`(${restores.fromEmail} = ${user} or ${restores.toEmail} = ${user})` : undefined,
    page.dataOf ? eq(restores.fromEmail, page.dataOf.toLowerCase()) : undefined,
    page.status ? eq(restores.status, page.status) : undefined,
  );
  const rows = await db
    .select()
    .from(restores)
    .where(where)
    .orderBy(desc(restores.createdAt), desc(restores.id))
    .limit(page.limit)
    .offset(page.offset);
  const [total] = await db.select({ n: count() }).from(restores).where(where);
  return { restores: rows, total: total?.n ?? 0 };
}

/** A planned item: the version to restore and its processing phase. */
export interface PlannedItem {
  itemKey: string;
  version: number;
  phase: number;
}

/** Writes planned items (a resumed plan skips those already written). */
export async function planItems(db: Db, restore: Restore, items: readonly PlannedItem[]): Promise<void> {
  if (items.length === 0) return;
  await db
    .insert(restoreItems)
    .values(items.map((item) => ({ ...item, restoreId: restore.id, customerId: restore.customerId })))
    .onConflictDoNothing();
}

/** An item to work on, with the backed-up version it restores. */
export interface WorkItem {
  itemKey: string;
  version: number;
  phase: number;
  status: ItemStatus;
  objectId: string;
  size: number;
  metadata: Record<string, unknown>;
  /** The stored content, when it was read ahead with its page (small items); otherwise the writer reads it. */
  content?: Buffer;
}

/** Phases that still have unfinished items, in order. */
export async function openPhases(db: Db, restore: Restore): Promise<number[]> {
  const rows = await db
    .selectDistinct({ phase: restoreItems.phase })
    .from(restoreItems)
    .where(and(eq(restoreItems.restoreId, restore.id), inArray(restoreItems.status, ['pending', 'creating'])))
    .orderBy(asc(restoreItems.phase));
  return rows.map((row) => row.phase);
}

/** The next unfinished items of a phase (after item key `after`, when given), with their version rows. */
/** A page of work: its items, and where the listing stopped (for the next page). */
export interface WorkPage {
  items: WorkItem[];
  /** The last item key listed (the next page starts after it); undefined when none was. */
  lastKey: string | undefined;
  /** Whether the listing filled the page (there may be more in this phase). */
  full: boolean;
}

/**
 * The next page of unfinished items of a phase with their version rows. An item whose version
 * row is gone (retention removed it after the restore was planned) fails here with the reason,
 * so it is never listed again.
 */
export async function nextItems(
  db: Db,
  restore: Restore,
  phase: number,
  limit: number,
  after: string | undefined,
  at: Date,
): Promise<WorkPage> {
  const items = await db
    .select({
      itemKey: restoreItems.itemKey,
      version: restoreItems.version,
      phase: restoreItems.phase,
      status: restoreItems.status,
    })
    .from(restoreItems)
    .where(
      and(
        eq(restoreItems.restoreId, restore.id),
        eq(restoreItems.phase, phase),
        inArray(restoreItems.status, ['pending', 'creating']),
        after === undefined ? undefined : gt(restoreItems.itemKey, after),
      ),
    )
    .orderBy(asc(restoreItems.itemKey))
    .limit(limit);
  // The version rows, from the backup module (one query for the page, by key and version).
  const versions = await versionsByKey(db, restore.customerId, restore.sourceId, items);
  const found: WorkItem[] = [];
  const gone: ItemState[] = [];
  for (const item of items) {
    const version = versions.get(versionKey(item.itemKey, item.version));
    if (version) found.push({ ...item, objectId: version.objectId, size: version.size, metadata: version.metadata });
    else gone.push({ itemKey: item.itemKey, status: 'failed', reason: VERSION_GONE_REASON });
  }
  await setItemStates(db, restore, gone, at);
  return { items: found, lastKey: items.at(-1)?.itemKey, full: items.length === limit };
}

export const VERSION_GONE_REASON =
  'its backed-up version is no longer held (retention removed it after the restore was planned)';

export async function setItemState(
  db: Db,
  restore: Restore,
  itemKey: string,
  state: { status: ItemStatus; targetId?: string | null; reason?: string | null },
  at: Date,
): Promise<void> {
  await db
    .update(restoreItems)
    .set({ ...state, updatedAt: at })
    .where(and(eq(restoreItems.restoreId, restore.id), eq(restoreItems.itemKey, itemKey)));
}

/** An item's new state, as recorded with others of its page. */
export interface ItemState {
  itemKey: string;
  status: ItemStatus;
  targetId?: string | null;
  reason?: string | null;
}

/** Records many items' states in one UPDATE (a page's outcomes, instead of one statement per item). */
export async function setItemStates(db: Db, restore: Restore, states: readonly ItemState[], at: Date): Promise<void> {
  if (states.length === 0) return;
  const rows = states.map(
    (state) => sql`(${state.itemKey}, ${state.status}, ${state.targetId ?? null}, ${state.reason ?? null})`,
  );
  await db.execute(sql`
    update ${restoreItems} as r
    set status = v.status, target_id = v.target_id, reason = v.reason, updated_at = ${at.toISOString()}::timestamptz
    from (values ${sql.join(rows, sql`, `)}) as v(item_key, status, target_id, reason)
    where r.restore_id = ${restore.id} and r.item_key = v.item_key`);
}

/**
 * Records a page's outcomes and copies the counts they leave onto the restore row, in ONE
 * statement (setItemStates, then storeCounts: two per page before). The counts are those after
 * the outcomes: the rows the UPDATE changed as it returns them, every other item as it was —
 * what storeCounts run after setItemStates counts.
 */
export async function recordOutcomes(
  db: Db,
  restore: Restore,
  states: readonly ItemState[],
  at: Date,
): Promise<RestoreCounts> {
  if (states.length === 0) return storeCounts(db, restore);
  const rows = states.map(
    (state) => sql`(${state.itemKey}, ${state.status}, ${state.targetId ?? null}, ${state.reason ?? null})`,
  );
  // Every part of the statement sees the items as they were before it: `changed` answers the
  // updated rows as they are after it.
  const result = await db.execute(sql`
    with changed as (
      update ${restoreItems} as r
      set status = v.status, target_id = v.target_id, reason = v.reason, updated_at = ${at.toISOString()}::timestamptz
      from (values ${sql.join(rows, sql`, `)}) as v(item_key, status, target_id, reason)
      where r.restore_id = ${restore.id} and r.item_key = v.item_key
      returning r.item_key, r.status
    ),
    statuses as (
      select o.status from ${restoreItems} as o
      where o.restore_id = ${restore.id} and not exists (select 1 from changed c where c.item_key = o.item_key)
      union all
      select status from changed
    )
    update ${restores}
    set (total, restored, skipped, failed) = (${countsOf(sql`statuses`)})
    where id = ${restore.id}
    returning total, restored, skipped, failed`);
  return countsFrom(result, restore);
}

/** Marks items `creating` in one UPDATE, just before the Google calls that create them. */
export async function markCreating(db: Db, restore: Restore, itemKeys: readonly string[], at: Date): Promise<void> {
  if (itemKeys.length === 0) return;
  await db
    .update(restoreItems)
    .set({ status: 'creating', updatedAt: at })
    .where(and(eq(restoreItems.restoreId, restore.id), inArray(restoreItems.itemKey, [...itemKeys])));
}

/** The target id this restore recorded for an item (e.g. a folder already recreated), if any. */
export async function targetOf(db: Db, restore: Restore, itemKey: string): Promise<string | null> {
  const [row] = await db
    .select({ targetId: restoreItems.targetId })
    .from(restoreItems)
    .where(and(eq(restoreItems.restoreId, restore.id), eq(restoreItems.itemKey, itemKey)));
  return row?.targetId ?? null;
}

/** Of `targetIds`, those this restore already recorded for another item (so they are not "already present" for this one). */
export async function claimedByOthers(
  db: Db,
  restore: Restore,
  itemKey: string,
  targetIds: readonly string[],
): Promise<Set<string>> {
  if (targetIds.length === 0) return new Set();
  const rows = await db
    .select({ targetId: restoreItems.targetId })
    .from(restoreItems)
    .where(
      and(
        eq(restoreItems.restoreId, restore.id),
        ne(restoreItems.itemKey, itemKey),
        inArray(restoreItems.targetId, [...targetIds]),
      ),
    );
  return new Set(rows.flatMap((row) => (row.targetId ? [row.targetId] : [])));
}

export interface RestoreCounts {
  total: number;
  restored: number;
  skipped: number;
  failed: number;
  pending: number;
}

export async function countItems(db: Db, restoreId: string): Promise<RestoreCounts> {
  const rows = await db
    .select({ status: restoreItems.status, n: count() })
    .from(restoreItems)
    .where(eq(restoreItems.restoreId, restoreId))
    .groupBy(restoreItems.status);
  const counts: RestoreCounts = { total: 0, restored: 0, skipped: 0, failed: 0, pending: 0 };
  for (const row of rows) {
    counts.total += row.n;
    if (row.status === 'restored' || row.status === 'skipped' || row.status === 'failed') counts[row.status] += row.n;
    else counts.pending += row.n;
  }
  return counts;
}

/**
 * Copies the item counts onto the restore row (progress for GET and the CLI) and returns them:
 * one statement, the counting and the UPDATE together. `planned`: the same statement also
 * records that the plan is complete (a restore planned in this run, instead of its own UPDATE).
 */
export async function storeCounts(db: Db, restore: Restore, options: { planned?: true } = {}): Promise<RestoreCounts> {
  const result = await db.execute(sql`
    update ${restores}
    set (total, restored, skipped, failed) = (
      ${countsOf(sql`${restoreItems} where restore_id = ${restore.id}`)}
    )${options.planned ? sql`, planned = true` : sql``}
    where id = ${restore.id}
    returning total, restored, skipped, failed`);
  return countsFrom(result, restore);
}

/**
 * Writes the plan's last items and records that the plan is complete, with its counts, in ONE
 * statement (planItems, then storeCounts with `planned`: two before). The items inserted are
 * all pending: the counts are the items already there (a plan resumed after a crash) plus those
 * the insert added; an item already planned is not inserted again, as in planItems.
 */
export async function planLastItems(db: Db, restore: Restore, items: readonly PlannedItem[]): Promise<RestoreCounts> {
  if (items.length === 0) return storeCounts(db, restore, { planned: true });
  const rows = items.map((item) => ({ item_key: item.itemKey, version: item.version, phase: item.phase }));
  const result = await db.execute(sql`
    with added as (
      insert into ${restoreItems} (restore_id, customer_id, item_key, version, phase)
      select ${restore.id}::uuid, ${restore.customerId}::uuid, i.item_key, i.version, i.phase
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as i(item_key text, version integer, phase integer)
      on conflict do nothing
      returning 1
    )
    update ${restores}
    set (total, restored, skipped, failed) = (
      select (select count(*) from added)::int + count(*)::int,
        (count(*) filter (where status = 'restored'))::int,
        (count(*) filter (where status = 'skipped'))::int,
        (count(*) filter (where status = 'failed'))::int
      from ${restoreItems} where restore_id = ${restore.id}
    ), planned = true
    where id = ${restore.id}
    returning total, restored, skipped, failed`);
  return countsFrom(result, restore);
}

/** The counts' SELECT over the item statuses of `from` (a table with its condition, or a CTE). */
function countsOf(from: SQL): SQL {
  return sql`select count(*)::int,
        (count(*) filter (where status = 'restored'))::int,
        (count(*) filter (where status = 'skipped'))::int,
        (count(*) filter (where status = 'failed'))::int
      from ${from}`;
}

function countsFrom(result: unknown, restore: Restore): RestoreCounts {
  const [row] = (result as { rows: Array<Omit<RestoreCounts, 'pending'>> }).rows;
  if (!row) throw new Error(`restore ${restore.id} does not exist`);
  const { total, restored, skipped, failed } = row;
  return { total, restored, skipped, failed, pending: total - restored - skipped - failed };
}

/**
 * Marks a queued or running restore `running` (keeping when it first started) and returns it;
 * undefined when it is finished or does not exist.
 */
export async function markRunning(db: Db, restoreId: string, at: Date): Promise<Restore | undefined> {
  const [row] = await db
    .update(restores)
    .set({ status: 'running', startedAt: sql`coalesce(${restores.startedAt}, ${at.toISOString()}::timestamptz)` })
    .where(and(eq(restores.id, restoreId), inArray(restores.status, ['queued', 'running'])))
    .returning();
  return row;
}

export async function updateRestore(db: Db, restoreId: string, values: Partial<Restore>): Promise<void> {
  await db.update(restores).set(values).where(eq(restores.id, restoreId));
}

export async function addNote(db: Db, restore: Restore, note: string): Promise<void> {
  await db
    .update(restores)
    .set({
      notes: sql`case when ${restores.notes} @> ${JSON.stringify([note])}::jsonb then ${restores.notes} else ${restores.notes} || ${JSON.stringify([note])}::jsonb end`,
    })
    .where(eq(restores.id, restore.id));
}

export interface RestoreItemEntry {
  itemKey: string;
  version: number;
  /** What the item is called (subject, file name, event title, contact name), as search names it. */
  title: string | null;
  status: ItemStatus;
  targetId: string | null;
  reason: string | null;
}

/**
 * Items of a restore, paged in key order, optionally of one status, each named from its backed-up
 * version (one query for the page), so a report says which message or file rather than its id.
 */
export async function listRestoreItems(
  db: Db,
  restore: Pick<Restore, 'id' | 'customerId' | 'sourceId'>,
  page: { limit: number; offset: number; status?: ItemStatus },
): Promise<{ items: RestoreItemEntry[]; total: number }> {
  const where = and(
    eq(restoreItems.customerId, restore.customerId),
    eq(restoreItems.restoreId, restore.id),
    page.status ? eq(restoreItems.status, page.status) : undefined,
  );
  const rows = await db
    .select({
      itemKey: restoreItems.itemKey,
      version: restoreItems.version,
      status: restoreItems.status,
      targetId: restoreItems.targetId,
      reason: restoreItems.reason,
    })
    .from(restoreItems)
    .where(where)
    .orderBy(asc(restoreItems.itemKey))
    .limit(page.limit)
    .offset(page.offset);
  const versions = await versionsByKey(db, restore.customerId, restore.sourceId, rows);
  const items = rows.map((row) => {
    const version = versions.get(versionKey(row.itemKey, row.version));
    return { ...row, title: version ? itemTitle(version.metadata) : null };
  });
  const [total] = await db.select({ n: count() }).from(restoreItems).where(where);
  return { items, total: total?.n ?? 0 };
}

/** Failed items with their reasons (the report's errors). */
export async function restoreErrors(
  db: Db,
  customerId: string,
  restoreId: string,
  limit = 1000,
): Promise<Array<{ item: string; reason: string }>> {
  const rows = await db
    .select({ item: restoreItems.itemKey, reason: restoreItems.reason })
    .from(restoreItems)
    .where(
      and(
        eq(restoreItems.customerId, customerId),
        eq(restoreItems.restoreId, restoreId),
        eq(restoreItems.status, 'failed'),
      ),
    )
    .orderBy(asc(restoreItems.itemKey))
    .limit(limit);
  return rows.map((row) => ({ item: row.item, reason: row.reason ?? 'failed' }));
}
