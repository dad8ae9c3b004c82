// Gmail restore: each message imported as stored (messages.import, internalDateSource=dateHeader,
// neverMarkSpam; resumable above 5 MB), user labels recreated by name, system labels kept as
// ids where import allows them (not DRAFT or CHAT), plus the "Restored <date>" label unless in
// place. Idempotency: the target is searched with `rfc822msgid:` for the messages' Message-IDs,
// 20 at a time (`rfc822msgid:a OR rfc822msgid:b …`); only a search that finds some is followed
// by one search per message. Imports cannot be batched (media uploads): 5 run at once.
import { GoogleApiError, isSystemLabel } from '@safehold/google';
import { selectVersions } from '../backup/index.ts';
import { uploadBodyOf } from './restore-content.ts';
import { claimedByOthers, type PlannedItem, type RestoreSelection, type WorkItem } from './restore-store.ts';
import type { ServiceWriter, WriterContext } from './service-writer.ts';

/** System labels messages.import refuses. */
const NOT_IMPORTABLE = new Set(['DRAFT', 'CHAT']);

/** Message-IDs per search (`rfc822msgid:a OR …`): about 1.5 KB of query. */
const SEARCH_IDS_MAX = 20;

function messageIdOf(item: WorkItem): string | undefined {
  const messageId = item.metadata.messageIdHeader;
  return typeof messageId === 'string' && messageId.trim().replace(/^<|>$/g, '') !== '' ? messageId : undefined;
}

function labelPairs(metadata: Record<string, unknown>): Array<{ id: string; name: string }> {
  const ids = Array.isArray(metadata.labelIds) ? metadata.labelIds.map(String) : [];
  const names = Array.isArray(metadata.labelNames) ? metadata.labelNames.map(String) : [];
  return ids.map((id, index) => ({ id, name: names[index] ?? id }));
}

export function gmailWriter(w: WriterContext): ServiceWriter {
  const { restore, google } = w;
  const to = restore.toEmail;
  let labels: Promise<Map<string, string>> | undefined;
  const created = new Map<string, Promise<string>>();

  /** Target labels by lower-cased name → id, listed once. */
  function targetLabels(): Promise<Map<string, string>> {
    labels ??= google.gmail
      .listLabels(to)
      .then((list) => new Map(list.filter((l) => l.type !== 'system').map((l) => [l.name.toLowerCase(), l.id])));
    return labels;
  }

  function labelId(name: string): Promise<string> {
    const key = name.toLowerCase();
    let pending = created.get(key);
    if (!pending) {
      pending = (async () => {
        const known = (await targetLabels()).get(key);
        if (known) return known;
        try {
          const label = await google.gmail.createLabel(to, {
            name,
            labelListVisibility: 'labelShow',
            messageListVisibility: 'show',
          });
          return label.id;
        } catch (error) {
          // Created meanwhile (another restore, or the user): list again and use it.
          if (!(error instanceof GoogleApiError && error.status === 409)) throw error;
          const list = await google.gmail.listLabels(to);
          const found = list.find((l) => l.name.toLowerCase() === key);
          if (!found) throw error;
          return found.id;
        }
      })();
      created.set(key, pending);
      // A failed creation is retried for the next message rather than remembered.
      pending.catch(() => created.delete(key));
    }
    return pending;
  }

  async function targetLabelIds(metadata: Record<string, unknown>): Promise<string[]> {
    const ids: string[] = [];
    for (const { id, name } of labelPairs(metadata)) {
      if (isSystemLabel(id)) {
        if (!NOT_IMPORTABLE.has(id)) ids.push(id);
      } else {
        ids.push(await labelId(name));
      }
    }
    if (!restore.inPlace) ids.push(await labelId(restore.containerName));
    return [...new Set(ids)];
  }

  return {
    // The client lets 5 requests per user be in flight (Gmail answers 429 above that).
    lanes: 5,
    async *plan(versions, selection: RestoreSelection) {
      let page: PlannedItem[] = [];
      for await (const version of selectVersions('gmail', versions, selection)) {
        page.push({ itemKey: version.itemKey, version: version.version, phase: 0 });
        if (page.length >= 500) {
          yield page;
          page = [];
        }
      }
      if (page.length > 0) yield page;
    },
    async findExistingMany(items) {
      // One search for many Message-IDs (5 units for the lot, instead of 5 per message): when it
      // finds none of them — a restore into an emptied or new mailbox — every item is absent;
      // when it finds some, those items are looked up one by one (which copy is whose).
      const withId = items.filter((item) => messageIdOf(item) !== undefined);
      const undecided: WorkItem[] = [];
      for (let start = 0; start < withId.length; start += SEARCH_IDS_MAX) {
        const chunk = withId.slice(start, start + SEARCH_IDS_MAX);
        const ids = chunk.map((item) => messageIdOf(item) as string);
        if ((await google.gmail.findAnyByRfc822MessageIds(to, ids)).length > 0) undecided.push(...chunk);
      }
      return { found: new Map(), undecided };
    },
    async findExisting(item) {
      const messageId = item.metadata.messageIdHeader;
      if (typeof messageId !== 'string' || messageId === '') return undefined;
      const found = await google.gmail.findByRfc822MessageId(to, messageId);
      if (found.length === 0) return undefined;
      // Two backed-up messages may share a Message-ID (a copy sent to oneself): a copy this
      // restore made for another item does not count as this one.
      const others = await claimedByOthers(
        w.ctx.db,
        restore,
        item.itemKey,
        found.map((ref) => ref.id),
      );
      return found.find((ref) => !others.has(ref.id))?.id;
    },
    async create(item: WorkItem) {
      const labelIds = await targetLabelIds(item.metadata);
      const content = await uploadBodyOf(w.repository, item, w.inMemoryMaxBytes);
      try {
        const imported = await google.gmail.importMessage(to, content.body, { labelIds });
        return { targetId: imported.id };
      } finally {
        await content.release();
      }
    },
  };
}
