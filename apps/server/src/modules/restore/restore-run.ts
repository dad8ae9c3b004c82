// Runs one restore: plans its items (restore_items, before anything is created), then works
// through them phase by phase (Drive: parent folders before what is in them), a page at a time.
// Each page's items are first looked for in the target (Gmail rfc822msgid:, Drive
// appProperties, Calendar iCalUID, Contacts clientData — one search or listing for the page
// where the service allows), recorded `creating` together just before the Google calls (batched
// where Google offers batches) and their outcomes recorded together after them — so a rerun or
// a resumed job after a crash creates nothing twice. Quotas and retries are the Google client's
// (the same as backups').
import { AuthorizationLostError, GoogleApiError, type GoogleClient } from '@safehold/google';
import { type Repository, RepositoryError } from '@safehold/repository';
import { eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import {
  AUTHORISATION_LOST_REASON,
  allVersionsAsOf,
  errorReason,
  forEachLimited,
  type ItemVersion,
  openTenantRepository,
  selectionPrefilter,
  versionKey,
} from '../backup/index.ts';
import { customerGoogleClient, ProjectQuotaSpentError } from '../customers/index.ts';
import {
  addNote,
  countItems,
  type ItemState,
  markCreating,
  markRunning,
  nextItems,
  openPhases,
  type PlannedItem,
  planItems,
  planLastItems,
  type Restore,
  type RestoreCounts,
  type RestoreSelection,
  type RestoreStatus,
  recordOutcomes,
  setItemState,
  setItemStates,
  storeCounts,
  updateRestore,
  type WorkItem,
} from './restore-store.ts';
import {
  type CreateOutcome,
  RestoreFailedError,
  RestoreItemError,
  type ServiceWriter,
  type WriterContext,
} from './service-writer.ts';
import { restores } from './tables.ts';
import { restoreWriters } from './writers.ts';

export interface RestoreHooks {
  /** After the Google call created an item, before it is recorded (tests crash here). */
  afterCreate?(item: WorkItem): void | Promise<void>;
}

export interface RunRestoreOptions {
  google?: GoogleClient;
  repository?: Repository;
  signal?: AbortSignal;
  hooks?: RestoreHooks;
  /** Called after every page of items (CLI progress). */
  onProgress?(counts: RestoreCounts): void;
  /** Items read per page; default 50. */
  pageSize?: number;
  /** Content above this size is spooled to disk for upload; default 16 MiB. */
  inMemoryMaxBytes?: number;
}

export interface RestoreResult {
  restoreId: string;
  status: RestoreStatus;
  counts: RestoreCounts;
  error: string | null;
}

/** What working through the items needs: their rows and the clock. */
type ItemDeps = Pick<AppContext, 'db' | 'clock'>;

/** Runs (or resumes) restore `restoreId`; a finished restore is returned as it is. */
export async function runRestore(
  ctx: AppContext,
  restoreId: string,
  options: RunRestoreOptions = {},
): Promise<RestoreResult> {
  const restore = await markRunning(ctx.db, restoreId, ctx.clock.now());
  if (!restore) {
    const [found] = await ctx.db.select().from(restores).where(eq(restores.id, restoreId));
    if (!found) throw new Error(`restore ${restoreId} does not exist`);
    return { restoreId, status: found.status, counts: { ...found, pending: 0 }, error: found.error };
  }
  const google = options.google ?? (await customerGoogleClient(ctx, restore.customerId));
  const repository = options.repository ?? (await openTenantRepository(ctx, restore.customerId));
  const writerContext: WriterContext = {
    ctx,
    restore,
    google,
    repository,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.inMemoryMaxBytes !== undefined ? { inMemoryMaxBytes: options.inMemoryMaxBytes } : {}),
    note: (text) => addNote(ctx.db, restore, text),
  };
  try {
    const writer = restoreWriters[restore.service](writerContext);
    await writer.prepare?.();
    // A restore planned now has every item pending: its phases are those planned. Resumed, they are listed.
    let planned: Plan | undefined;
    if (!restore.planned) planned = await plan(ctx, restore, writer);
    // Stored whether or not anyone listens here: a job's restore is watched through its row. A
    // plan made now is recorded complete by the same statement, which writes its last items.
    const counts0 = planned ? await planLastItems(ctx.db, restore, planned.last) : await storeCounts(ctx.db, restore);
    options.onProgress?.(counts0);
    const worked = await work(ctx, restore, writer, repository, options, planned);
    const counts = worked ?? (await countItems(ctx.db, restore.id));
    const status: RestoreStatus =
      counts.failed === 0 ? 'success' : counts.restored + counts.skipped === 0 ? 'failed' : 'partial';
    return await finish(ctx, restore, status, null, counts);
  } catch (error) {
    if (error instanceof AuthorizationLostError) {
      return finish(ctx, restore, 'failed', AUTHORISATION_LOST_REASON, await countItems(ctx.db, restore.id));
    }
    if (error instanceof RestoreFailedError) {
      return finish(ctx, restore, 'failed', error.message, await countItems(ctx.db, restore.id));
    }
    if (error instanceof ProjectQuotaSpentError) {
      // Every further call would be refused until the quota day resets (midnight Pacific): the
      // restore ends here, saying so; started again, it skips what it restored.
      const counts = await storeCounts(ctx.db, restore);
      const status = counts.restored + counts.skipped === 0 ? 'failed' : 'partial';
      return finish(ctx, restore, status, error.reasonFor('restore'), counts);
    }
    // A crash or a stop: the restore stays `running` and the job (or a rerun) resumes it.
    throw error;
  } finally {
    if (!options.repository) await repository.close();
  }
}

async function finish(
  ctx: Pick<AppContext, 'db' | 'clock' | 'audit'>,
  restore: Restore,
  status: RestoreStatus,
  error: string | null,
  counts: RestoreCounts,
): Promise<RestoreResult> {
  // The final counts with the status, in one UPDATE.
  const { total, restored, skipped, failed } = counts;
  await updateRestore(ctx.db, restore.id, {
    status,
    error,
    finishedAt: ctx.clock.now(),
    total,
    restored,
    skipped,
    failed,
  });
  await ctx.audit.record({
    actor: { kind: 'system', label: 'restore job' },
    tenants: [`customer:${restore.customerId}`],
    action: 'restore.finished',
    target: restore.id,
    result: status === 'failed' ? 'failure' : 'success',
    details: {
      service: restore.service,
      from: restore.fromEmail,
      to: restore.toEmail,
      restored: counts.restored,
      skipped: counts.skipped,
      failed: counts.failed,
      ...(error ? { error } : {}),
    },
  });
  return { restoreId: restore.id, status, counts, error };
}

/**
 * A plan made in this run: its phases, in order, and — for a small plan — its items by phase,
 * each with its version row as the plan read it and `pending` (what the first page of each
 * phase would read back from the database; those pages are taken from here instead).
 */
interface Plan {
  phases: number[];
  items: Map<number, WorkItem[]> | undefined;
  /** The last batch of planned items, not written yet: the statement that records the plan complete writes it. */
  last: PlannedItem[];
}

/** Plans of up to this many version rows keep their items for the first pages (a few hundred KB at most). */
const PLAN_ITEMS_KEPT = 1000;

/**
 * Writes the restore's items but the last batch (returned, for planLastItems); returns their
 * phases, in order, and (small plans) the items.
 */
async function plan(ctx: Pick<AppContext, 'db'>, restore: Restore, writer: ServiceWriter): Promise<Plan> {
  const selection = restore.selection as RestoreSelection;
  const prefilter = selectionPrefilter(restore.service, selection);
  const versions = allVersionsAsOf(ctx.db, {
    customerId: restore.customerId,
    sourceId: restore.sourceId,
    at: restore.asOf,
    ...(prefilter ? { filter: prefilter } : {}),
  });
  const phases = new Set<number>();
  // The version rows the plan reads, kept while there are few; undefined once there are many
  // (or a planned version was not among them): the pages are then all read from the database.
  let rows: Map<string, ItemVersion> | undefined = new Map();
  async function* keeping(): AsyncGenerator<ItemVersion> {
    for await (const version of versions) {
      if (rows && rows.size >= PLAN_ITEMS_KEPT) rows = undefined;
      rows?.set(versionKey(version.itemKey, version.version), version);
      yield version;
    }
  }
  const byPhase = new Map<number, Map<string, WorkItem>>();
  const keptKeys = new Set<string>();
  // Each batch is written when the next one comes: the last is written with the plan's end.
  let last: PlannedItem[] = [];
  for await (const items of writer.plan(keeping(), selection)) {
    await planItems(ctx.db, restore, last);
    last = items;
    for (const item of items) {
      phases.add(item.phase);
      const version = rows?.get(versionKey(item.itemKey, item.version));
      if (!version) {
        rows = undefined;
        continue;
      }
      // The first planned stays, whatever its phase (as in restore_items, keyed by restore and
      // item: a second one is not inserted).
      if (keptKeys.has(item.itemKey)) continue;
      keptKeys.add(item.itemKey);
      const ofPhase = byPhase.get(item.phase) ?? new Map<string, WorkItem>();
      byPhase.set(item.phase, ofPhase);
      ofPhase.set(item.itemKey, {
        itemKey: item.itemKey,
        version: item.version,
        phase: item.phase,
        status: 'pending',
        objectId: version.objectId,
        size: version.size,
        metadata: version.metadata,
      });
    }
  }
  const items = rows
    ? new Map(
        [...byPhase].map(([phase, ofPhase]) => [
          phase,
          [...ofPhase.values()].sort((a, b) => (a.itemKey < b.itemKey ? -1 : a.itemKey > b.itemKey ? 1 : 0)),
        ]),
      )
    : undefined;
  return { phases: [...phases].sort((a, b) => a - b), items, last };
}

/** A page of items to restore, and where the page after it starts (none after the last phase's last page). */
interface Page {
  items: WorkItem[];
  next: PagePosition | undefined;
}
/** A page's start: the phase (its index among the open phases) and the item key it follows. */
interface PagePosition {
  phase: number;
  after?: string;
}

async function work(
  ctx: ItemDeps,
  restore: Restore,
  writer: ServiceWriter,
  repository: Repository,
  options: RunRestoreOptions,
  planned?: Plan,
): Promise<RestoreCounts | undefined> {
  const pageSize = options.pageSize ?? writer.pageSize ?? 50;
  // What is spooled to disk for upload is never read ahead into memory.
  const itemMaxBytes = Math.min(READ_AHEAD_ITEM_MAX_BYTES, options.inMemoryMaxBytes ?? READ_AHEAD_ITEM_MAX_BYTES);
  for (let pass = 0; ; pass++) {
    // Listed again after the last page: anything a pass left unfinished is taken up again.
    const phases = pass === 0 && planned ? planned.phases : await openPhases(ctx.db, restore);
    if (phases.length === 0) return undefined;
    /** The counts stored after the last page written, while nothing changed after them. */
    let counts: RestoreCounts | undefined;
    /** A page with its stored content read ahead (two index lookups and worker round trips). */
    const readPage = async (at: PagePosition): Promise<Page> => {
      const phase = phases[at.phase] as number;
      // A phase planned in this run that fits in one page is that page: every item pending, its
      // version row the one just read (the database would give back the same).
      const fromPlan = pass === 0 && at.after === undefined ? planned?.items?.get(phase) : undefined;
      const found =
        fromPlan && fromPlan.length < pageSize
          ? { items: fromPlan, full: false, lastKey: fromPlan.at(-1)?.itemKey }
          : await nextItems(ctx.db, restore, phase, pageSize, at.after, ctx.clock.now());
      const items = await readAhead(repository, found.items, itemMaxBytes);
      // A short page was its phase's last: the next phase's first page follows.
      const next = found.full
        ? { phase: at.phase, after: found.lastKey }
        : at.phase + 1 < phases.length
          ? { phase: at.phase + 1 }
          : undefined;
      return { items, next };
    };
    let page: Page | undefined = await readPage({ phase: 0 });
    while (page) {
      options.signal?.throwIfAborted();
      // The next page — of this phase, or the next phase's first — is read while this one is
      // written (every item of a page ends recorded, so the next one starts after its last key,
      // and a phase's items are all recorded before the next phase's are written).
      const following: Promise<Page | undefined> = page.next ? readPage(page.next) : Promise.resolve(undefined);
      // Awaited below; should this page throw, `following` is never awaited and its rejection
      // (if any) must not be an unhandled one that ends the process.
      following.catch(() => {});
      if (page.items.length > 0) {
        // Should this page throw, the read-ahead ends first: its listing may still record
        // items (a gone version fails there), and the run's final counts come after it.
        const recorded = await restorePage(ctx, restore, writer, page.items, options).catch(async (error: unknown) => {
          await following.catch(() => {});
          throw error;
        });
        counts = recorded ?? (await storeCounts(ctx.db, restore));
        options.onProgress?.(counts);
      } else {
        // Reading it may have recorded items whose version is gone: the counts are stale.
        counts = undefined;
      }
      page = await following;
    }
    // The last page's counts, stored after every item of the pass ended recorded: nothing
    // pending means no phase is open (no need to list them) and these are the final counts.
    if (counts?.pending === 0) return counts;
  }
}

/** Items up to this size have their content read with their page; larger ones are read (or spooled) by their writer. */
const READ_AHEAD_ITEM_MAX_BYTES = 4 * 1024 * 1024;
/** At most this much content is read ahead per page (two pages are held: the one written and the next). */
const READ_AHEAD_PAGE_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Reads the page's content with one index lookup and one worker round trip for the stored
 * objects, and one more for the chunks of those split at backup (mail with attachments,
 * files) — instead of two of each per item — and attaches it to the small items. Larger
 * items get their root blobs read (cached) and are read by their writer. Content that cannot
 * be read is left to the item's own read, which reports it for that item alone.
 */
async function readAhead(
  repository: Repository,
  items: readonly WorkItem[],
  itemMaxBytes: number,
): Promise<WorkItem[]> {
  if (items.length === 0) return [];
  const small = new Set<WorkItem>();
  let bytes = 0;
  for (const item of items) {
    if (item.size > itemMaxBytes || bytes + item.size > READ_AHEAD_PAGE_MAX_BYTES) continue;
    small.add(item);
    bytes += item.size;
  }
  const large = items.filter((item) => !small.has(item));
  try {
    const [contents] = await Promise.all([
      repository.readMany([...small].map((item) => item.objectId)),
      large.length > 0 ? repository.readBlobs([...new Set(large.map((item) => item.objectId))]) : undefined,
    ]);
    let next = 0;
    return items.map((item) => (small.has(item) ? { ...item, content: contents[next++] as Buffer } : item));
  } catch (error) {
    // A missing or damaged blob: each item's own read reports it for that item (see above).
    if (!(error instanceof RepositoryError)) throw error;
    return [...items];
  }
}

/** An error that is one item's (its content, or Google's answer for it), not the whole restore's. */
function isItemFailure(error: unknown): error is GoogleApiError | RestoreItemError {
  return (
    !(error instanceof AuthorizationLostError) && (error instanceof GoogleApiError || error instanceof RestoreItemError)
  );
}

const isTransient = (error: unknown) => error instanceof GoogleApiError && error.classification === 'retry';

/**
 * One page of items as a pipeline step: their existence checked together (one search or
 * listing where the writer can), those absent marked `creating` in one UPDATE, created
 * (batched, or `lanes` at once), and every outcome recorded in one UPDATE — with the counts
 * after them, which it answers. An item whose check or creation failed transiently is then
 * done alone, with retries, searching first; the counts are then the caller's to store
 * (undefined).
 */
async function restorePage(
  ctx: ItemDeps,
  restore: Restore,
  writer: ServiceWriter,
  items: readonly WorkItem[],
  options: RunRestoreOptions,
): Promise<RestoreCounts | undefined> {
  const outcomes: ItemState[] = [];
  const alone: WorkItem[] = [];
  const { found, absent } = await checkExisting(writer, items, alone);
  for (const item of items) {
    const targetId = found.get(item.itemKey);
    if (targetId === undefined) continue;
    // Recorded `creating` before: our own copy from before a crash. Otherwise it was there already.
    const ours = item.status === 'creating';
    outcomes.push({
      itemKey: item.itemKey,
      status: ours ? 'restored' : 'skipped',
      targetId,
      reason: ours ? null : 'already present',
    });
  }
  await markCreating(
    ctx.db,
    restore,
    absent.map((item) => item.itemKey),
    ctx.clock.now(),
  );
  const creating = absent.map((item) => ({ ...item, status: 'creating' as const }));
  const created = async (item: WorkItem, outcome: CreateOutcome) => {
    if (outcome.ok) {
      await options.hooks?.afterCreate?.(item);
      outcomes.push({
        itemKey: item.itemKey,
        status: 'restored',
        targetId: outcome.targetId,
        reason: outcome.reason ?? null,
      });
    } else if (!isItemFailure(outcome.error)) {
      throw outcome.error;
    } else if (isTransient(outcome.error)) {
      alone.push(item);
    } else {
      outcomes.push({ itemKey: item.itemKey, status: 'failed', reason: errorReason(outcome.error) });
    }
  };
  if (writer.createMany && creating.length > 0) {
    let results: CreateOutcome[] | undefined;
    try {
      results = await writer.createMany(creating);
    } catch (error) {
      // The batch as a whole failed (it may still have been done): each item alone, searching first.
      if (!isItemFailure(error)) throw error;
      alone.push(...creating);
    }
    if (results) for (const [index, item] of creating.entries()) await created(item, results[index] as CreateOutcome);
  } else {
    await forEachLimited(creating, writer.lanes, async (item) => {
      let outcome: CreateOutcome;
      try {
        outcome = { ok: true, ...(await writer.create(item)) };
      } catch (error) {
        outcome = { ok: false, error };
      }
      await created(item, outcome);
    });
  }
  if (alone.length === 0) return recordOutcomes(ctx.db, restore, outcomes, ctx.clock.now());
  await setItemStates(ctx.db, restore, outcomes, ctx.clock.now());
  await forEachLimited(alone, writer.lanes, (item) => restoreItem(ctx, restore, writer, item, options));
  return undefined;
}

/**
 * Which items of a page the target already holds: one call for the page where the writer can
 * (findExistingMany), otherwise — and for what that leaves undecided — one lookup per item.
 * Items whose lookup failed are added to `alone`.
 */
async function checkExisting(
  writer: ServiceWriter,
  items: readonly WorkItem[],
  alone: WorkItem[],
): Promise<{ found: Map<string, string>; absent: WorkItem[] }> {
  const found = new Map<string, string>();
  let undecided: readonly WorkItem[] = items;
  if (writer.findExistingMany) {
    try {
      const many = await writer.findExistingMany(items);
      for (const [itemKey, targetId] of many.found) found.set(itemKey, targetId);
      undecided = many.undecided;
    } catch (error) {
      if (!isItemFailure(error)) throw error;
    }
  }
  const failed = new Set<string>();
  await forEachLimited(undecided, writer.lanes, async (item) => {
    try {
      const targetId = await writer.findExisting(item);
      if (targetId !== undefined) found.set(item.itemKey, targetId);
    } catch (error) {
      if (!isItemFailure(error)) throw error;
      failed.add(item.itemKey);
      alone.push(item);
    }
  });
  const absent = items.filter((item) => !found.has(item.itemKey) && !failed.has(item.itemKey));
  return { found, absent };
}

/**
 * Attempts per item: the client already retried each request it safely could; these retry the
 * whole item, search first. A 500/502 on a create is not retried by the client (it may have been
 * processed), so at Google's worst 5xx rates an item needs several attempts: 8 make a failure
 * after transient errors alone rare (0.3^8 ≈ 7e-5 per item at a 30% error rate).
 */
const ITEM_ATTEMPTS = 8;
const ITEM_RETRY_MAX_MS = 60_000;

async function restoreItem(
  ctx: ItemDeps,
  restore: Restore,
  writer: ServiceWriter,
  item: WorkItem,
  options: RunRestoreOptions,
): Promise<void> {
  let status = item.status;
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      await attemptItem(ctx, restore, writer, { ...item, status }, options, () => {
        status = 'creating';
      });
      return;
    } catch (error) {
      if (error instanceof AuthorizationLostError) throw error;
      const transient = error instanceof GoogleApiError && error.classification === 'retry';
      if (transient && attempt < ITEM_ATTEMPTS) {
        // The client gave up on a request (a long quota wait, repeated 5xx): try the item again
        // later — starting with the search, so a copy a failed call did create is not doubled.
        const delay = Math.min(error.retryAfterMs ?? 500 * 2 ** (attempt - 1), ITEM_RETRY_MAX_MS);
        await new Promise((resolve) => setTimeout(resolve, delay));
        continue;
      }
      if (error instanceof GoogleApiError || error instanceof RestoreItemError) {
        await setItemState(
          ctx.db,
          restore,
          item.itemKey,
          { status: 'failed', reason: errorReason(error) },
          ctx.clock.now(),
        );
        return;
      }
      throw error;
    }
  }
}

async function attemptItem(
  ctx: ItemDeps,
  restore: Restore,
  writer: ServiceWriter,
  item: WorkItem,
  options: RunRestoreOptions,
  markedCreating: () => void,
): Promise<void> {
  const existing = await writer.findExisting(item);
  if (existing) {
    // Recorded `creating` before: our own copy from before a crash. Otherwise it was there already.
    const ours = item.status === 'creating';
    await setItemState(
      ctx.db,
      restore,
      item.itemKey,
      { status: ours ? 'restored' : 'skipped', targetId: existing, reason: ours ? null : 'already present' },
      ctx.clock.now(),
    );
    return;
  }
  await setItemState(ctx.db, restore, item.itemKey, { status: 'creating' }, ctx.clock.now());
  markedCreating();
  const created = await writer.create(item);
  await options.hooks?.afterCreate?.(item);
  await setItemState(
    ctx.db,
    restore,
    item.itemKey,
    { status: 'restored', targetId: created.targetId, reason: created.reason ?? null },
    ctx.clock.now(),
  );
}
