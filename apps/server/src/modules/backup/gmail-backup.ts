// Gmail backup of one mailbox (PRODUCT.md §6, GOOGLE-APIS.md "Gmail"). Full sync: historyId
// from the profile BEFORE listing, every id listed (spam and trash included), new ids fetched
// raw (batched) into the repository, ids no longer listed closed as deleted. Incremental:
// history.list from the stored historyId; added → fetch, label changes → a new version with
// the same content and the labels history says (no request per message), deleted → closed. 404 (history expired)
// → the full comparison. Ids whose current version exists are never fetched again, so a
// resumed run does not re-download what an interrupted one committed. Each version's metadata
// also carries the label names, the header fields browse, search and restore use, and whether
// the message has an attachment (found by the repository's MIME split, no pass of its own). A message
// that could not be fetched (its batch failed on every attempt) is a named failed item: the run
// ends `partial` and, as its cursor is stored only by a run without failures, the next run
// fetches it (docs/backup.md "Items that failed and the cursor").
import {
  applyLabelChanges,
  type BatchMessageResult,
  type GmailRawMessage,
  GoogleApiError,
  GoogleResponseShapeError,
  type HistoryChanges,
  historyChanges,
  ResyncRequired,
} from '@safehold/google';
import { readMailHeaders } from './mail-headers.ts';
import type { CurrentVersion } from './run-writer.ts';
import { chunks, errorReason, forEachLimited, type ServiceResult, type ServiceRun } from './service-context.ts';

/**
 * Messages per batch request. Google counts every part of a batch against the user's ~5
 * concurrent requests (GOOGLE-APIS.md "Quota"): a batch of 50 has 45 parts refused with 429 and
 * fetched again alone (each costing its units twice in the client's bucket). So a batch carries
 * at most as many parts as the user may have in flight, and one batch per user is in flight at
 * a time; the commits run behind the fetching instead of between batches.
 */
export const GMAIL_BATCH = 5;
/** Groups of label refreshes (one `format=minimal` get each) in flight: under the ~5 per user. */
const RELABEL_LANES = 3;
/** Commits a mailbox may have waiting behind its fetching before the fetching waits (back-pressure). */
const COMMITS_BEHIND = 2;
/**
 * Fetched messages stored together (one worker round trip, one blob-index lookup): up to
 * STORE_BATCH messages, fewer once they hold STORE_BYTES (a mailbox of 25 MB messages must not
 * hold gigabytes). A mailbox thus holds at most (STORES_AHEAD + 1) stores' worth of bytes.
 */
const STORE_BATCH = 50;
export const STORE_BYTES = 16 * 1024 * 1024;
/** Stores a mailbox may have in flight while it fetches on (back-pressure). */
const STORES_AHEAD = 2;
/**
 * Batch requests in a row that may fail on every attempt before the run stops: one is a bad
 * moment (its messages are named and fetched by the next run), several in a row mean Google is
 * unreachable, where naming every message of the mailbox one batch's retries at a time would
 * take hours to end in the same place.
 */
export const FAILED_BATCHES_IN_A_ROW = 3;

/** Label id → name for this run, listed once (1 quota unit) when first needed. */
type LabelNames = (ids: readonly string[]) => Promise<string[]>;

/**
 * Gmail's system labels: their name is their id and they cannot be renamed, so naming them
 * needs no labels.list (an incremental run whose changes carry only these makes no such call).
 */
const SYSTEM_LABELS = new Set([
  'INBOX',
  'SENT',
  'DRAFT',
  'TRASH',
  'SPAM',
  'IMPORTANT',
  'STARRED',
  'UNREAD',
  'CHAT',
  'CATEGORY_PERSONAL',
  'CATEGORY_SOCIAL',
  'CATEGORY_PROMOTIONS',
  'CATEGORY_UPDATES',
  'CATEGORY_FORUMS',
]);

function labelNamesOf(run: ServiceRun): LabelNames {
  let names: Promise<Map<string, string>> | undefined;
  return async (ids) => {
    if (ids.every((id) => SYSTEM_LABELS.has(id))) return [...ids];
    names ??= run.google.gmail.listLabels(run.email).then((labels) => new Map(labels.map((l) => [l.id, l.name])));
    const known = await names;
    return ids.map((id) => known.get(id) ?? id);
  };
}

export async function backupGmail(run: ServiceRun): Promise<ServiceResult> {
  const labelNames = labelNamesOf(run);
  const stored = typeof run.cursor?.historyId === 'string' ? run.cursor.historyId : undefined;
  if (stored) {
    try {
      const sync = await run.google.gmailSync.incremental(run.email, stored);
      const records = [];
      for await (const record of sync) records.push(record);
      const changes = historyChanges(records);
      const toFetch = changes.added.filter((id) => !run.writer.current.has(id));
      const already = changes.added.length - toFetch.length;
      if (already > 0) await run.writer.skip(already);
      // A label change of a message we do not hold (an earlier failure) fetches it whole.
      const relabel: string[] = [];
      for (const id of changes.labelsChanged) (run.writer.current.has(id) ? relabel : toFetch).push(id);
      await fetchMessages(run, toFetch, labelNames);
      await relabelMessages(run, relabel, changes.labelChanges, labelNames);
      for (const id of changes.deleted) run.writer.close(id);
      await run.writer.commit();
      return { cursor: { historyId: sync.cursor }, mode: 'incremental' };
    } catch (error) {
      if (!(error instanceof ResyncRequired)) throw error;
    }
    return { ...(await fullComparison(run, true, labelNames)), mode: 'resync' };
  }
  // Versions held without a cursor (an earlier run that ended with failures stores none) may
  // carry labels changed since: the comparison rebuilds them as after an expired history id,
  // so the labels later history changes apply to are current.
  return { ...(await fullComparison(run, run.writer.current.size > 0, labelNames)), mode: 'full' };
}

/**
 * After an expired history id the labels of messages we hold may have changed unseen. One
 * listing per label (not one request per message) rebuilds every message's label set.
 */
async function refreshLabels(run: ServiceRun, listed: ReadonlySet<string>, labelNames: LabelNames): Promise<void> {
  const labelsOf = new Map<string, string[]>();
  for (const label of await run.google.gmail.listLabels(run.email)) {
    for await (const ref of run.google.gmail.listMessages(run.email, { labelIds: [label.id] })) {
      if (!run.writer.current.has(ref.id)) continue;
      const list = labelsOf.get(ref.id);
      if (list) list.push(label.id);
      else labelsOf.set(ref.id, [label.id]);
    }
  }
  let unchanged = 0;
  for (const [id, current] of run.writer.current) {
    if (!listed.has(id)) continue;
    if (!(await putRelabelled(run, id, current, labelsOf.get(id) ?? [], labelNames))) {
      unchanged += 1;
      continue;
    }
    await run.writer.commitWhenDue();
  }
  if (unchanged > 0) await run.writer.skip(unchanged);
  await run.writer.commit();
}

async function fullComparison(
  run: ServiceRun,
  labelsMayHaveChanged: boolean,
  labelNames: LabelNames,
): Promise<{ cursor: Record<string, unknown> }> {
  const sync = await run.google.gmailSync.full(run.email);
  const listed = new Set<string>();
  for await (const ref of sync) listed.add(ref.id);
  const toFetch = [...listed].filter((id) => !run.writer.current.has(id));
  const present = listed.size - toFetch.length;
  if (labelsMayHaveChanged && present > 0) await refreshLabels(run, listed, labelNames);
  else if (present > 0) await run.writer.skip(present);
  await fetchMessages(run, toFetch, labelNames);
  for (const key of [...run.writer.current.keys()]) if (!listed.has(key)) run.writer.close(key);
  await run.writer.commit();
  return { cursor: { historyId: sync.cursor } };
}

/**
 * A message's content hash is its object id: the tenant's keyed hash of its bytes (HMAC-SHA-256
 * of each segment, the segment ids hashed again into the descriptor's id when there are
 * several), which the repository computes anyway to deduplicate. Equal bytes give equal ids and
 * different bytes different ones, which is all a Gmail content hash is read for (nothing compares
 * it: a held message id is never fetched again, a label change keeps its version's hash). A
 * SHA-256 of its own was a second pass over every byte (≈ 2 % of a backup's CPU). Versions
 * written before hold the message's plain SHA-256 (docs/repository-format.md §6.3); both are bare
 * hex, outside the content-hash index (Drive's prefixed checksums only).
 */
function mailContentHash(objectId: string): string {
  return objectId;
}

/** Stores a fetched batch (one round trip to a repository worker) and puts its versions. */
async function storeMessages(run: ServiceRun, messages: GmailRawMessage[], labelNames: LabelNames): Promise<void> {
  if (messages.length === 0) return;
  // Everything read from the bytes is read first: putMails hands them over to a worker thread.
  const items = await Promise.all(
    messages.map(async (message) => ({
      key: message.id,
      size: message.raw.length,
      metadata: {
        ...readMailHeaders(message.raw),
        labelIds: message.labelIds,
        labelNames: await labelNames(message.labelIds ?? []),
        threadId: message.threadId,
        internalDate: message.internalDate,
        historyId: message.historyId,
      },
    })),
  );
  const stored = await run.writer.store((repository) => repository.putMails(messages.map((message) => message.raw)));
  items.forEach((item, i) => {
    // The attachment mark comes from the worker's MIME walk (it splits the message anyway).
    const { id, hasAttachments } = stored[i]!;
    run.writer.put({
      ...item,
      metadata: { ...item.metadata, hasAttachments },
      objectId: id,
      contentHash: mailContentHash(id),
      fetchedBytes: item.size,
    });
  });
}

function isGone(error: unknown): boolean {
  return error instanceof GoogleApiError && error.status === 404;
}

/**
 * One batch of messages. A batch request that failed on every attempt (5xx, 429, reset,
 * timeout, a body cut short) fails its messages, not the run: each is named with the reason,
 * the run ends `partial`, and its cursor is not stored, so the next run fetches them. The
 * batches that failed in a row are counted in `failures`; at FAILED_BATCHES_IN_A_ROW the error
 * stops the run.
 */
async function fetchBatch(
  run: ServiceRun,
  ids: readonly string[],
  failures: { inARow: number },
): Promise<BatchMessageResult[]> {
  try {
    const results = await run.google.gmail.batchGetRawMessages(run.email, ids);
    failures.inARow = 0;
    return results;
  } catch (error) {
    if (!(error instanceof GoogleApiError || error instanceof GoogleResponseShapeError)) throw error;
    failures.inARow += 1;
    if (failures.inARow >= FAILED_BATCHES_IN_A_ROW) throw error;
    return ids.map((id) => ({ id, ok: false, error }));
  }
}

async function fetchMessages(run: ServiceRun, ids: readonly string[], labelNames: LabelNames): Promise<void> {
  const failures = { inARow: 0 };
  const behind: Promise<void>[] = [];
  // Stores run behind the fetching: fetched messages are stored STORE_BATCH at a time (one
  // worker round trip and one index lookup for several fetch batches), at most STORES_AHEAD
  // stores deep, across groups: the fetching does not wait for a group's last store.
  const storing: Promise<void>[] = [];
  let commitFailure: { error: unknown } | undefined;
  try {
    for (const group of chunks(ids, run.groupSize)) {
      run.signal?.throwIfAborted();
      if (commitFailure) throw commitFailure.error;
      let gone = 0;
      const groupStores: Promise<void>[] = [];
      let fetched: GmailRawMessage[] = [];
      let fetchedBytes = 0;
      const store = async (messages: GmailRawMessage[]) => {
        const stored = storeMessages(run, messages, labelNames);
        // Handled now, awaited later: a failure while the next batch is fetched is not unhandled.
        stored.catch(() => undefined);
        storing.push(stored);
        groupStores.push(stored);
        if (storing.length >= STORES_AHEAD) await storing.shift();
      };
      for (const batch of chunks(group, GMAIL_BATCH)) {
        const results = await fetchBatch(run, batch, failures);
        for (const result of results) {
          if (result.ok) {
            fetched.push(result.message);
            fetchedBytes += result.message.raw.length;
          }
          // Deleted between listing and fetching: nothing to back up (history closes it).
          else if (isGone(result.error)) gone += 1;
          else await run.writer.fail(result.id, errorReason(result.error));
        }
        if (fetched.length >= STORE_BATCH || fetchedBytes >= STORE_BYTES) {
          const full = fetched;
          fetched = [];
          fetchedBytes = 0;
          await store(full);
        }
      }
      if (fetched.length > 0) await store(fetched);
      if (gone > 0) await run.writer.skip(gone);
      // The group's commit (when enough is pending: RunWriter.commitWhenDue) waits for the
      // group's stores and goes on behind the next group's fetching (commits are serialized by
      // the writer; each takes every put made before it).
      const commit = Promise.all(groupStores).then(() => run.writer.commitWhenDue());
      // Noted here (so a failure while the next group is fetched is not an unhandled rejection)
      // and checked before each group: a failed store or commit stops the run's fetching.
      commit.catch((error: unknown) => {
        commitFailure ??= { error };
      });
      behind.push(commit);
      if (behind.length > COMMITS_BEHIND) await behind.shift();
    }
  } catch (error) {
    // Every store and commit started must end (or fail) before the run reports its failure:
    // the run's manifest, written next, must see every version committed.
    await Promise.allSettled([...storing, ...behind]);
    throw error;
  }
  await Promise.allSettled(behind);
  if (commitFailure) throw commitFailure.error;
}

/**
 * A new version of a held message whose labels are now `labels`: the same stored content, the
 * metadata's labels replaced (and the history id they are as of, where known). Puts nothing
 * and answers false when the held version already has those labels.
 */
async function putRelabelled(
  run: ServiceRun,
  id: string,
  current: CurrentVersion,
  labels: string[],
  labelNames: LabelNames,
  historyId?: string,
): Promise<boolean> {
  if (sameLabels(current.metadata.labelIds, labels)) return false;
  run.writer.put({
    key: id,
    objectId: current.objectId,
    contentHash: current.contentHash,
    size: current.size,
    metadata: {
      ...current.metadata,
      labelIds: labels,
      labelNames: await labelNames(labels),
      ...(historyId === undefined ? {} : { historyId }),
    },
    fetchedBytes: 0,
  });
  return true;
}

function sameLabels(a: unknown, b: readonly string[]): boolean {
  if (!Array.isArray(a) || a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((label) => set.has(label));
}

/**
 * Messages whose labels changed: their labels as history changed them (applied in order to the
 * stored version's, which the message had at or after the cursor), a new version only where
 * they differ. No request per message; a stored version without labels (never written so)
 * falls back to a `format=minimal` get.
 */
async function relabelMessages(
  run: ServiceRun,
  ids: readonly string[],
  labelChanges: HistoryChanges['labelChanges'],
  labelNames: LabelNames,
): Promise<void> {
  const minimalIds: string[] = [];
  let unchanged = 0;
  for (const id of ids) {
    const current = run.writer.current.get(id);
    const entry = labelChanges.get(id);
    if (!current) continue;
    if (!entry || !Array.isArray(current.metadata.labelIds)) {
      minimalIds.push(id);
      continue;
    }
    const labels = applyLabelChanges(current.metadata.labelIds as string[], entry.changes);
    if (!(await putRelabelled(run, id, current, labels, labelNames, entry.historyId))) {
      unchanged += 1;
      continue;
    }
    await run.writer.commitWhenDue();
  }
  if (unchanged > 0) await run.writer.skip(unchanged);
  await run.writer.commit();
  await relabelFromMinimal(run, minimalIds, labelNames);
}

async function relabelFromMinimal(run: ServiceRun, ids: readonly string[], labelNames: LabelNames): Promise<void> {
  await forEachLimited(chunks(ids, run.groupSize), RELABEL_LANES, async (group) => {
    let unchanged = 0;
    for (const id of group) {
      const current = run.writer.current.get(id);
      if (!current) continue;
      let minimal: Awaited<ReturnType<typeof run.google.gmail.getMessage>>;
      try {
        minimal = await run.google.gmail.getMessage(run.email, id, { format: 'minimal' });
      } catch (error) {
        if (isGone(error)) {
          run.writer.close(id);
          continue;
        }
        if (error instanceof GoogleApiError) {
          await run.writer.fail(id, errorReason(error));
          continue;
        }
        throw error;
      }
      if (!(await putRelabelled(run, id, current, minimal.labelIds, labelNames, minimal.historyId))) unchanged += 1;
    }
    if (unchanged > 0) await run.writer.skip(unchanged);
    await run.writer.commitWhenDue();
  });
}
