// Drive restore: the folder tree recreated (under "Restored <date>" unless in place, where
// folders that still exist are reused), files uploaded multipart or resumable (large ones
// resumed after failures by the client's 308 + Range handling), Google Docs/Sheets/Slides
// converted back from their Office exports (uploaded with the Google mimeType in the
// metadata), shortcuts pointed at the restored targets, sharing permissions only when asked
// (always sendNotificationEmail=false). Every created file carries
// appProperties.safeholdItem=<key>:<version>, which is how a rerun finds it (20 markers to a
// files.list search).
// A shared drive's backup goes back into the drive itself — written as a current organizer,
// top-level items under the drive id, found again with corpora=drive — or into a user's My Drive
// under "Restored <date>".
import { appPropertyQuery, GoogleApiError } from '@safehold/google';
import { folderPath, type ItemVersion, selectVersions } from '../backup/index.ts';
import { storedObjectOf, uploadBodyOf } from './restore-content.ts';
import { type PlannedItem, type RestoreSelection, targetOf, type WorkItem } from './restore-store.ts';
import { RestoreFailedError, RestoreItemError, type ServiceWriter, type WriterContext } from './service-writer.ts';

const FOLDER = 'application/vnd.google-apps.folder';
/** Markers per files.list search (`appProperties has {…} or …`). */
const MARKERS_PER_SEARCH = 20;

/** What every restored file carries in appProperties.safeholdItem: the item and version it restores. */
const markerOf = (item: WorkItem) => `${item.itemKey}:${item.version}`;
const SHORTCUT = 'application/vnd.google-apps.shortcut';
/** Google types Drive converts Office uploads into; anything else exported (Drawings → PDF) stays a file. */
const CONVERTIBLE = new Set([
  'application/vnd.google-apps.document',
  'application/vnd.google-apps.spreadsheet',
  'application/vnd.google-apps.presentation',
]);
const FILES_PHASE = 1000;
const SHORTCUTS_PHASE = 1001;

function firstParent(metadata: Record<string, unknown>): string | undefined {
  const parents = metadata.parents;
  return Array.isArray(parents) && typeof parents[0] === 'string' ? parents[0] : undefined;
}

async function* notTrashed(versions: AsyncIterable<ItemVersion>): AsyncGenerator<ItemVersion> {
  for await (const version of versions) if (version.metadata.trashed !== true) yield version;
}

/**
 * Whom a restore into a shared drive writes as: a current organizer, found in the drive's
 * permissions as listed by the member the backup read it as (only members can list them) —
 * that member when still an organizer. A drive that is gone, or no longer reachable through
 * that member, cannot be written: the restore fails saying to restore into a user instead.
 */
async function driveOrganizer(w: WriterContext, driveId: string, member: string): Promise<string> {
  const cannot = (why: string) =>
    new RestoreFailedError(
      `Shared drive ${driveId} cannot be restored into: ${why}. Restore it into a user's My Drive instead ("Restore into" a user; \`to\` in the API).`,
    );
  const organizers: string[] = [];
  try {
    for await (const permission of w.google.drive.listPermissions(member, driveId)) {
      if (permission.type === 'user' && permission.role === 'organizer' && permission.emailAddress) {
        organizers.push(permission.emailAddress.toLowerCase());
      }
    }
  } catch (error) {
    if (error instanceof GoogleApiError && (error.status === 404 || error.status === 403)) {
      throw cannot(
        `it was deleted, or ${member} (the member it was backed up as) is no longer a member (${error.message})`,
      );
    }
    throw error;
  }
  const organizer = organizers.includes(member) ? member : organizers[0];
  if (!organizer) throw cannot('it has no organizer to write as');
  await w.note(`Written into the shared drive as ${organizer}, one of its organizers.`);
  return organizer;
}

export function driveWriter(w: WriterContext): ServiceWriter {
  const { restore, google } = w;
  /** Set when a shared drive is restored into itself (else the target is a user's My Drive). */
  const intoDrive =
    restore.sharedDriveId !== null && restore.toEmail === restore.sharedDriveId ? restore.sharedDriveId : null;
  /** In place into the account or drive the items came from: their original files may still be there. */
  const sameTarget = restore.toEmail === restore.fromEmail;
  /** Items whose marker findExistingMany searched for and did not find. */
  const markerSearched = new Set<string>();
  /** Where top-level items go in place, and the "Restored <date>" folder's parent. */
  const top = intoDrive ?? 'root';
  /** Listing options that search the target: the shared drive's own corpus, or My Drive. */
  const corpus = intoDrive ? { driveId: intoDrive } : {};
  const parents = new Map<string, Promise<string>>();
  let container: Promise<string> | undefined;
  let writer: Promise<string> | undefined;

  /** The account every call impersonates: the target user, or an organizer of the target drive. */
  function account(): Promise<string> {
    if (!intoDrive) return Promise.resolve(restore.toEmail);
    writer ??= driveOrganizer(w, intoDrive, restore.driveMember ?? '');
    writer.catch(() => {
      writer = undefined;
    });
    return writer;
  }

  /** The "Restored <date>" folder in the target's My Drive or shared drive (found again after a crash by its marker). */
  function containerFolder(): Promise<string> {
    container ??= (async () => {
      const to = await account();
      const q = `${appPropertyQuery('safeholdRestore', restore.id)} and trashed = false and mimeType = '${FOLDER}'`;
      for await (const file of google.drive.listFiles(to, { q, fileFields: 'id', ...corpus })) return file.id;
      const folder = await google.drive.createFile(to, {
        name: restore.containerName,
        mimeType: FOLDER,
        parents: [top],
        appProperties: { safeholdRestore: restore.id },
      });
      return folder.id;
    })();
    container.catch(() => {
      container = undefined;
    });
    return container;
  }

  /** Where an item goes: its restored (or reused) parent folder, else the container or My Drive. */
  function parentFor(metadata: Record<string, unknown>): Promise<string> {
    const original = firstParent(metadata);
    const key = original ?? '';
    let found = parents.get(key);
    if (!found) {
      found = (async () => {
        if (original) {
          const target = await targetOf(w.ctx.db, restore, original);
          if (target) return target;
        }
        return restore.inPlace ? top : containerFolder();
      })();
      parents.set(key, found);
      found.catch(() => parents.delete(key));
    }
    return found;
  }

  /** In place into the same user or drive: the original file or folder, if it is still there unchanged. */
  async function originalStillThere(item: WorkItem): Promise<string | undefined> {
    if (!restore.inPlace || !sameTarget) return undefined;
    try {
      const file = await google.drive.getFile(await account(), item.itemKey, {
        fileFields: 'id,trashed,mimeType,md5Checksum,version',
      });
      if (file.trashed) return undefined;
      if (file.mimeType === FOLDER) return file.id;
      const md5 = item.metadata.md5Checksum;
      if (typeof md5 === 'string' && file.md5Checksum === md5) return file.id;
      if (item.metadata.version !== undefined && file.version === item.metadata.version) return file.id;
      return undefined;
    } catch (error) {
      if (error instanceof GoogleApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  async function restorePermissions(item: WorkItem, fileId: string): Promise<string | undefined> {
    if (!restore.restorePermissions) return undefined;
    const to = await account();
    const permissions = Array.isArray(item.metadata.permissions) ? item.metadata.permissions : [];
    const wanted: Array<Parameters<typeof google.drive.createPermission>[2]> = [];
    const labels: string[] = [];
    for (const entry of permissions as Array<Record<string, unknown>>) {
      const role = String(entry.role ?? '');
      const type = String(entry.type ?? '');
      if (!role || !type || role === 'owner') continue;
      if (type === 'user' && String(entry.emailAddress ?? '').toLowerCase() === to) continue;
      wanted.push({
        type,
        role,
        ...(typeof entry.emailAddress === 'string' ? { emailAddress: entry.emailAddress } : {}),
        ...(typeof entry.domain === 'string' ? { domain: entry.domain } : {}),
        ...(typeof entry.allowFileDiscovery === 'boolean' ? { allowFileDiscovery: entry.allowFileDiscovery } : {}),
      });
      labels.push(`${type} ${String(entry.emailAddress ?? entry.domain ?? '')} ${role}`);
    }
    if (wanted.length === 0) return undefined;
    const failures: string[] = [];
    // One batch request for a file's permissions (two or more); a batch that failed as a whole
    // is sent again one permission at a time.
    const results =
      wanted.length > 1
        ? await google.drive.batchCreatePermissions(to, fileId, wanted).catch((error: unknown) => {
            if (!(error instanceof GoogleApiError)) throw error;
            return undefined;
          })
        : undefined;
    for (const [index, permission] of wanted.entries()) {
      const result = results?.[index];
      if (result) {
        if (!result.ok) failures.push(`${labels[index]}: ${result.error.message}`);
        continue;
      }
      try {
        await google.drive.createPermission(to, fileId, permission);
      } catch (error) {
        if (!(error instanceof GoogleApiError)) throw error;
        failures.push(`${labels[index]}: ${error.message}`);
      }
    }
    return failures.length > 0 ? `restored; permissions not restored: ${failures.join('; ')}` : undefined;
  }

  return {
    // Drive lets 10 requests per user be in flight.
    lanes: 8,
    async prepare() {
      await account();
    },
    async *plan(versions, selection: RestoreSelection) {
      // Trashed items are not restored; the selection adds the chosen items' ancestor folders.
      const chosen = [];
      for await (const version of selectVersions('drive', notTrashed(versions), selection)) chosen.push(version);
      if (selection.folder !== undefined && chosen.length === 0)
        await w.note(`No folder ${selection.folder} at the backup point.`);
      const planned: PlannedItem[] = chosen.map((version) => ({
        itemKey: version.itemKey,
        version: version.version,
        phase:
          version.metadata.mimeType === FOLDER
            ? folderPath(version.metadata).split('/').length - 1
            : version.metadata.mimeType === SHORTCUT
              ? SHORTCUTS_PHASE
              : FILES_PHASE,
      }));
      for (let i = 0; i < planned.length; i += 500) yield planned.slice(i, i + 500);
    },
    async findExistingMany(items) {
      // One files.list for 20 markers; what it does not find is absent, unless in place, where
      // the original itself may still be there (looked up alone, without its marker search again).
      const found = new Map<string, string>();
      const undecided: WorkItem[] = [];
      for (let start = 0; start < items.length; start += MARKERS_PER_SEARCH) {
        const chunk = items.slice(start, start + MARKERS_PER_SEARCH);
        const byMarker = new Map(chunk.map((item) => [markerOf(item), item]));
        const q = `(${[...byMarker.keys()].map((marker) => appPropertyQuery('safeholdItem', marker)).join(' or ')}) and trashed = false`;
        for await (const file of google.drive.listFiles(await account(), {
          q,
          fileFields: 'id,appProperties',
          ...corpus,
        })) {
          const item = byMarker.get(String((file.appProperties as Record<string, unknown> | undefined)?.safeholdItem));
          if (item && !found.has(item.itemKey)) found.set(item.itemKey, file.id);
        }
        for (const item of chunk) {
          if (found.has(item.itemKey) || !restore.inPlace || !sameTarget) continue;
          markerSearched.add(item.itemKey);
          undecided.push(item);
        }
      }
      return { found, undecided };
    },
    async findExisting(item) {
      // Once after findExistingMany searched its marker; a retry searches it again (a failed
      // create may have created it).
      if (!markerSearched.delete(item.itemKey)) {
        const q = `${appPropertyQuery('safeholdItem', markerOf(item))} and trashed = false`;
        for await (const file of google.drive.listFiles(await account(), { q, fileFields: 'id', ...corpus }))
          return file.id;
      }
      return originalStillThere(item);
    },
    async create(item) {
      const to = await account();
      const metadata = item.metadata;
      const mimeType = String(metadata.mimeType ?? 'application/octet-stream');
      const base = {
        name: String(metadata.name ?? item.itemKey),
        parents: [await parentFor(metadata)],
        appProperties: {
          ...((metadata.appProperties as Record<string, string> | undefined) ?? {}),
          safeholdItem: markerOf(item),
        },
        ...(typeof metadata.modifiedTime === 'string' ? { modifiedTime: metadata.modifiedTime } : {}),
      };
      let fileId: string;
      if (metadata.contentKind === 'metadata') {
        if (mimeType === SHORTCUT) {
          const object = (await storedObjectOf(w.repository, item)) as {
            shortcutDetails?: { targetId?: string };
          } | null;
          const original = object?.shortcutDetails?.targetId;
          if (!original) throw new RestoreItemError('shortcut without a target');
          const target = (await targetOf(w.ctx.db, restore, original)) ?? original;
          fileId = (await google.drive.createFile(to, { ...base, mimeType, shortcutDetails: { targetId: target } })).id;
        } else {
          fileId = (await google.drive.createFile(to, { ...base, mimeType })).id;
        }
      } else {
        const exportedAs = typeof metadata.exportedAs === 'string' ? metadata.exportedAs : undefined;
        const convert = exportedAs !== undefined && CONVERTIBLE.has(mimeType);
        if (exportedAs && !convert) {
          await w.note(
            `${mimeType} files cannot be converted back from ${exportedAs}: they are restored as ${exportedAs} files.`,
          );
        }
        const uploadType = exportedAs ?? mimeType;
        const content = await uploadBodyOf(w.repository, item, w.inMemoryMaxBytes);
        try {
          const file = await google.drive.createFile(
            to,
            { ...base, mimeType: convert ? mimeType : uploadType },
            { body: content.body, mimeType: uploadType },
          );
          fileId = file.id;
        } finally {
          await content.release();
        }
      }
      const reason = await restorePermissions(item, fileId);
      return { targetId: fileId, ...(reason ? { reason } : {}) };
    },
  };
}
