// Builds the zip of one user's (or shared drive's) backed-up services as of a point in time — or
// of a selection of one service (a label, a folder, items), matched as restores match it: mail as one mbox per
// label plus one .eml per message, each calendar as an .ics, the contacts as one .vcf, Drive
// files in their folder tree (Google files as their Office export), and a manifest (JSON and
// CSV) listing every item with its path, key, version, size and sha256. Everything is streamed:
// messages go to their .eml entry and, quoted for mboxrd, to a spool file per label on disk;
// the manifest is spooled too, so memory stays flat whatever the size of the mailbox.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import type { Repository } from '@safehold/repository';
import { csvRecord } from '../../csv.ts';
import type { Db } from '../../db/database.ts';
import {
  allVersionsAsOf,
  type BackupPoint,
  type BackupService,
  type BackupSource,
  calendarsAsOf,
  contentKind,
  countVersionsAsOf,
  findSource,
  type ItemVersion,
  isNarrowed,
  readVersionBytes,
  readVersionObject,
  readVersionObjects,
  readVersionsBytes,
  resolveBackupPoint,
  selectionPrefilter,
  selectVersions,
  type VersionFilter,
  type VersionSelection,
} from '../backup/index.ts';
import { safeSegment, UniquePaths } from './file-names.ts';
import { icsFooter, icsHeader, renderVevent, TimeZones } from './ics.ts';
import { driveFileInfo, mailFileName, messageDate } from './item-files.ts';
import { MboxrdEncoder, mboxFromLine } from './mbox.ts';
import { renderVcard } from './vcard.ts';
import { writeAll } from './write-all.ts';
import { deflatePiece, storedPiece, worthCompressing, type ZipArchive, type ZipEntryResult } from './zip-archive.ts';

export const exportServices = ['gmail', 'drive', 'calendar', 'contacts'] as const satisfies readonly BackupService[];

/** A service an export can hold. */
export type ExportService = (typeof exportServices)[number];

export interface ExportPlanSource {
  service: BackupService;
  source: BackupSource;
  point: BackupPoint;
  items: number;
}

export interface ExportPlan {
  customerId: string;
  /** The user's email, or the shared drive's id. */
  subjectEmail: string;
  /** A shared drive's export: the drive. */
  sharedDrive: { id: string; name: string | null } | null;
  asOf: Date | null;
  /** What of the (one) service is taken; null: everything. */
  selection: VersionSelection | null;
  sources: ExportPlanSource[];
  /** Services asked for that have no backup (at that time) for this user. */
  missing: BackupService[];
  itemsTotal: number;
}

export interface ExportPlanOptions {
  customerId: string;
  subjectEmail: string;
  sharedDrive?: { id: string; name: string | null } | null;
  services: readonly BackupService[];
  asOf: Date | null;
  selection?: VersionSelection | null;
}

/**
 * Finds each service's source and backup point for the user (or shared drive) and counts the
 * items to export: with a selection, those it takes (read and matched, as the build will).
 */
export async function planExport(db: Db, options: ExportPlanOptions): Promise<ExportPlan> {
  const sources: ExportPlanSource[] = [];
  const missing: BackupService[] = [];
  const subjectKind = options.sharedDrive ? 'shared_drive' : 'user';
  const selection = isNarrowed(options.selection) ? (options.selection ?? null) : null;
  for (const service of options.services) {
    const found = await findSource(db, options.customerId, options.subjectEmail, service);
    const source = found?.subjectKind === subjectKind ? found : null;
    const point = source
      ? await resolveBackupPoint(db, options.customerId, source.id, options.asOf ?? undefined)
      : null;
    if (!source || !point) {
      missing.push(service);
      continue;
    }
    const items = selection
      ? await countSelected(db, options.customerId, { service, source, point }, selection)
      : await countVersionsAsOf(db, options.customerId, source.id, point.at);
    sources.push({ service, source, point, items });
  }
  return {
    customerId: options.customerId,
    subjectEmail: options.subjectEmail,
    sharedDrive: options.sharedDrive ?? null,
    asOf: options.asOf,
    selection,
    sources,
    missing,
    itemsTotal: sources.reduce((sum, entry) => sum + entry.items, 0),
  };
}

/** The versions of a planned source an export takes: all of them, or the selection's. */
export function exportedVersions(
  db: Db,
  customerId: string,
  entry: Pick<ExportPlanSource, 'service' | 'source' | 'point'>,
  selection: VersionSelection | null,
  filter?: VersionFilter,
): AsyncGenerator<ItemVersion> {
  const prefilter = selection ? selectionPrefilter(entry.service, selection) : undefined;
  const versions = allVersionsAsOf(db, {
    customerId,
    sourceId: entry.source.id,
    at: entry.point.at,
    ...(filter || prefilter ? { filter: { ...filter, ...prefilter } } : {}),
  });
  return selection ? selectVersions(entry.service, versions, selection) : versions;
}

async function countSelected(
  db: Db,
  customerId: string,
  entry: Pick<ExportPlanSource, 'service' | 'source' | 'point'>,
  selection: VersionSelection,
): Promise<number> {
  let items = 0;
  for await (const _ of exportedVersions(db, customerId, entry, selection)) items++;
  return items;
}

export interface ExportProgress {
  itemsDone: number;
  itemsTotal: number;
  bytesDone: number;
}

export interface BuildExportOptions {
  db: Db;
  repository: Repository;
  archive: ZipArchive;
  plan: ExportPlan;
  /** A private directory for spool files (mbox per label, manifest); emptied at the end. */
  workDir: string;
  onProgress?(progress: ExportProgress): void;
  signal?: AbortSignal;
}

export interface ManifestRow {
  path: string;
  service: BackupService | 'export';
  itemKey: string | null;
  version: number | null;
  size: number;
  sha256: string;
}

const FOLDER = 'application/vnd.google-apps.folder';
const emptySha256 = createHash('sha256').digest('hex');
const csvHeader = csvRecord(['path', 'service', 'item_key', 'version', 'size', 'sha256']);

/**
 * Appends to spool files: buffered per file (flushed at 256 KiB, or all at once past 16 MiB
 * buffered) and written through a bounded set of open handles, since a mailbox can have
 * thousands of labels and a message is appended to each of its labels' files. Pieces are kept
 * as handed in, not copied: a message's deflated piece goes to each of its labels' buffers
 * (deflatePiece gives it memory of its own size, so a spooled piece holds no larger block).
 */
class SpoolFiles {
  private readonly handles = new Map<string, FileHandle>();
  private readonly buffers = new Map<string, { parts: Array<Buffer | Promise<Buffer>>; bytes: number }>();
  private buffered = 0;
  readonly files = new Map<string, string>();
  private readonly dir: string;
  private next = 0;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Appends `data`, which must not change afterwards (it is written later, as it is). */
  async append(key: string, ...data: Array<Uint8Array | string>): Promise<void> {
    const parts = data.map((part) =>
      typeof part === 'string' ? Buffer.from(part) : Buffer.from(part.buffer, part.byteOffset, part.byteLength),
    );
    const bytes = parts.reduce((sum, part) => sum + part.length, 0);
    if (bytes === 0) return;
    if (!this.files.has(key)) this.files.set(key, path.join(this.dir, `spool-${this.next++}`));
    let buffer = this.buffers.get(key);
    if (!buffer) {
      buffer = { parts: [], bytes: 0 };
      this.buffers.set(key, buffer);
    }
    buffer.parts.push(...parts);
    buffer.bytes += bytes;
    this.buffered += bytes;
    if (buffer.bytes >= 256 * 1024) await this.flush(key);
    else if (this.buffered >= 16 * 1024 * 1024) for (const name of [...this.buffers.keys()]) await this.flush(name);
  }

  /**
   * Appends a piece still being made (a deflated message): written in its place once it is
   * there; `bytes` (what it stands for) counts towards the buffering limits.
   */
  async appendPending(key: string, piece: Promise<Buffer>, bytes: number): Promise<void> {
    if (!this.files.has(key)) this.files.set(key, path.join(this.dir, `spool-${this.next++}`));
    let buffer = this.buffers.get(key);
    if (!buffer) {
      buffer = { parts: [], bytes: 0 };
      this.buffers.set(key, buffer);
    }
    buffer.parts.push(piece);
    buffer.bytes += bytes;
    this.buffered += bytes;
    if (buffer.bytes >= 256 * 1024) await this.flush(key);
    else if (this.buffered >= 16 * 1024 * 1024) for (const name of [...this.buffers.keys()]) await this.flush(name);
  }

  private async flush(key: string): Promise<void> {
    const buffer = this.buffers.get(key);
    if (!buffer || buffer.bytes === 0) return;
    this.buffers.delete(key);
    this.buffered -= buffer.bytes;
    let handle = this.handles.get(key);
    if (handle) {
      this.handles.delete(key);
    } else {
      if (this.handles.size >= 64) {
        const [oldestKey, oldest] = this.handles.entries().next().value as [string, FileHandle];
        this.handles.delete(oldestKey);
        await oldest.close();
      }
      handle = await open(this.files.get(key) as string, 'a', 0o600);
    }
    this.handles.set(key, handle);
    await writeAll(handle, await Promise.all(buffer.parts));
  }

  /** Writes out everything buffered and closes the files (they can be read after this). */
  async closeAll(): Promise<void> {
    for (const key of [...this.buffers.keys()]) await this.flush(key);
    for (const handle of this.handles.values()) await handle.close();
    this.handles.clear();
  }

  /** Closes the open files without writing what is still buffered (the export failed). */
  async discard(): Promise<void> {
    this.buffers.clear();
    this.buffered = 0;
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.allSettled(handles.map((handle) => handle.close()));
  }
}

/** Items up to this size are read ahead whole (in batches); larger ones are streamed at their turn. */
const readAheadMaxBytes = 4 * 1024 * 1024;
/** A batch: this many items, or about this many bytes, read with one repository call. */
const batchItems = 32;
const batchBytes = 4 * 1024 * 1024;
/** Batches being read while the items of an earlier one are written. */
const batchesAhead = 2;

/**
 * Reads the versions ahead of the one being written, in batches: one repository call per
 * batch (two index look-ups, two worker round trips) instead of per item, and the next batches
 * read while the current one is written — reading is mostly waiting, so overlapping it with
 * the zip is what makes an export fast. A version larger than readAheadMaxBytes comes with
 * `loaded: null`: its content is streamed at its turn.
 */
export async function* readAhead<R>(
  source: AsyncIterable<ItemVersion>,
  loadBatch: (versions: ItemVersion[]) => Promise<R[]>,
): AsyncGenerator<{ item: ItemVersion; loaded: R | null }> {
  type Batch = { items: Array<{ item: ItemVersion; held: boolean }>; loaded: Promise<R[]> };
  const pending: Batch[] = [];
  let current: Batch['items'] = [];
  let bytes = 0;
  const close = () => {
    if (current.length === 0) return;
    const held = current.filter((entry) => entry.held).map((entry) => entry.item);
    const loaded = held.length > 0 ? loadBatch(held) : Promise.resolve([]);
    // Awaited when its turn comes; until then a failure must not count as unhandled.
    loaded.catch(() => {});
    pending.push({ items: current, loaded });
    current = [];
    bytes = 0;
  };
  async function* drain(batch: Batch): AsyncGenerator<{ item: ItemVersion; loaded: R | null }> {
    const values = await batch.loaded;
    let next = 0;
    for (const { item, held } of batch.items) yield { item, loaded: held ? (values[next++] as R) : null };
  }
  for await (const item of source) {
    const held = item.size <= readAheadMaxBytes;
    current.push({ item, held });
    if (held) bytes += item.size;
    if (current.length >= batchItems || bytes >= batchBytes) close();
    if (pending.length > batchesAhead) yield* drain(pending.shift() as Batch);
  }
  close();
  while (pending.length > 0) yield* drain(pending.shift() as Batch);
}

/** Labels a message is filed under in the export (one mbox each); unlabelled mail is "Archived". */
export function mboxLabels(version: ItemVersion): string[] {
  const names = Array.isArray(version.metadata.labelNames) ? version.metadata.labelNames : [];
  const ids = Array.isArray(version.metadata.labelIds) ? version.metadata.labelIds : [];
  const labels = (names.length > 0 ? names : ids).filter(
    (label): label is string => typeof label === 'string' && label !== 'UNREAD' && !label.startsWith('CATEGORY_'),
  );
  return labels.length > 0 ? [...new Set(labels)] : ['Archived'];
}

export async function buildExport(options: BuildExportOptions): Promise<{ rows: number; bytes: number }> {
  await mkdir(options.workDir, { recursive: true, mode: 0o700 });
  const spool = new SpoolFiles(options.workDir);
  try {
    return await buildWithSpool(options, spool);
  } catch (error) {
    // The spool's open files are closed here, not left to the garbage collector; the caller
    // removes the work directory.
    await spool.discard();
    throw error;
  }
}

async function buildWithSpool(
  options: BuildExportOptions,
  spool: SpoolFiles,
): Promise<{ rows: number; bytes: number }> {
  const { db, repository, archive, plan } = options;
  const paths = new UniquePaths();
  const progress: ExportProgress = { itemsDone: 0, itemsTotal: plan.itemsTotal, bytesDone: 0 };
  let rows = 0;

  async function record(row: ManifestRow): Promise<void> {
    await spool.append(
      'manifest.csv',
      `${rows === 0 ? csvHeader : ''}${csvRecord([row.path, row.service, row.itemKey, row.version, row.size, row.sha256])}`,
    );
    await spool.append('manifest.json', `${rows === 0 ? '' : ',\n'}${JSON.stringify(row)}`);
    rows++;
  }

  function itemDone(bytes: number): void {
    progress.itemsDone++;
    progress.bytesDone += bytes;
    options.onProgress?.({ ...progress });
  }

  const versions = (entry: ExportPlanSource, filter?: VersionFilter) =>
    exportedVersions(db, plan.customerId, entry, plan.selection, filter);
  /** With explicit events chosen, only their calendars get an .ics (a key is `<calendarId>/<eventId>`). */
  const chosenCalendar = (calendarId: string) =>
    !plan.selection?.items || plan.selection.items.some((key) => key.startsWith(`${calendarId}/`));

  for (const entry of plan.sources) {
    options.signal?.throwIfAborted();
    if (entry.service === 'gmail') {
      // Each label's mbox is spooled deflated, as pieces that concatenate into its deflate
      // stream; its size, CRC-32 and sha256 are counted here as its bytes pass.
      const mailboxes = new Map<string, { key: string; size: number; crc: number; hash: Hash }>();
      for await (const { item: version, loaded } of readAhead(versions(entry), (batch) =>
        readVersionsBytes(repository, batch),
      )) {
        options.signal?.throwIfAborted();
        const labels = mboxLabels(version);
        const fromLine = mboxFromLine(String(version.metadata.from ?? ''), messageDate(version) ?? new Date(0));
        for (const label of labels) {
          if (!mailboxes.has(label))
            mailboxes.set(label, { key: `mbox:${label}`, size: 0, crc: 0, hash: createHash('sha256') });
        }
        const encoder = new MboxrdEncoder();
        /**
         * The message quoted into each of its labels' mboxes as it passes: `piece` is these
         * bytes deflated (the message's own when quoting left it as it was), or they are
         * deflated here (a few bytes stored as they are).
         */
        const toMailboxes = async (parts: Buffer[], piece?: Promise<Buffer>) => {
          const bytes = parts.reduce((sum, part) => sum + part.length, 0);
          if (bytes === 0) return;
          let deflated = piece;
          if (!deflated) {
            const data = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
            deflated = data.length <= 256 ? Promise.resolve(storedPiece(data)) : deflatePiece(data);
          }
          // Awaited when the spool writes it; until then a failure must not count as unhandled.
          deflated.catch(() => {});
          for (const label of labels) {
            const mailbox = mailboxes.get(label) as { key: string; size: number; crc: number; hash: Hash };
            for (const part of parts) {
              mailbox.crc = crc32(part, mailbox.crc);
              mailbox.hash.update(part);
            }
            mailbox.size += bytes;
            await spool.appendPending(mailbox.key, deflated, bytes);
          }
        };
        await toMailboxes([Buffer.from(fromLine)]);
        async function* tee(): AsyncGenerator<Buffer> {
          for await (const chunk of readVersionBytes(repository, version)) {
            await toMailboxes(encoder.pushParts(chunk));
            yield chunk;
          }
        }
        let content: Buffer | AsyncIterable<Buffer>;
        /** The message deflated once, for its .eml and its mboxes alike. */
        let piece: Promise<Buffer> | undefined;
        if (loaded) {
          const parts = encoder.pushParts(loaded);
          if (parts.length === 1 && parts[0]?.length === loaded.length && loaded.length > 0) {
            piece = deflatePiece(loaded);
            piece.catch(() => {});
          }
          await toMailboxes(parts, piece);
          content = loaded;
        } else content = tee();
        // Unique without bookkeeping: the message id is part of the name.
        const zipPath = `mail/messages/${mailFileName(version)}`;
        const result = await archive.add(zipPath, content, {
          mtime: messageDate(version) ?? entry.point.at,
          ...(piece ? { deflated: piece } : {}),
        });
        await toMailboxes([encoder.end()]);
        await record({
          path: zipPath,
          service: 'gmail',
          itemKey: version.itemKey,
          version: version.version,
          size: result.size,
          sha256: result.sha256,
        });
        itemDone(result.size);
      }
      await spool.closeAll();
      for (const [label, mailbox] of [...mailboxes].sort(([a], [b]) => a.localeCompare(b))) {
        const file = spool.files.get(mailbox.key) as string;
        // Nested labels ("Clients/Acme") become folders: mail/mbox/Clients/Acme.mbox.
        const segments = label.split('/').map(safeSegment);
        const zipPath = paths.take(['mail', 'mbox', ...segments.slice(0, -1), `${segments.at(-1)}.mbox`]);
        const result = await archive.addDeflated(zipPath, createReadStream(file, { highWaterMark: 1024 * 1024 }), {
          size: mailbox.size,
          crc: mailbox.crc,
          sha256: mailbox.hash.digest('hex'),
          mtime: entry.point.at,
        });
        await record(fileRow(zipPath, 'gmail', result));
        await rm(file, { force: true });
      }
      continue;
    }

    if (entry.service === 'calendar') {
      const calendars = await calendarsAsOf(db, plan.customerId, entry.source.id, entry.point.at);
      for (const { calendarId } of calendars.sort((a, b) => a.calendarId.localeCompare(b.calendarId))) {
        if (!chosenCalendar(calendarId)) continue;
        const zipPath = paths.take(['calendar', `${safeSegment(calendarId || 'calendar')}.ics`]);
        const zones = new TimeZones(entry.point.at.getUTCFullYear());
        async function* calendar(): AsyncGenerator<Buffer> {
          yield Buffer.from(icsHeader(calendarId || undefined));
          const events = readAhead(versions(entry, { calendarId }), (batch) => readVersionObjects(repository, batch));
          for await (const { item: version, loaded } of events) {
            options.signal?.throwIfAborted();
            const event = Buffer.from(renderVevent(loaded ?? (await readVersionObject(repository, version)), zones));
            await record(componentRow(zipPath, 'calendar', version, event));
            itemDone(event.length);
            yield event;
          }
          yield Buffer.from(icsFooter(zones));
        }
        const result = await archive.add(zipPath, calendar(), { mtime: entry.point.at });
        await record(fileRow(zipPath, 'calendar', result));
      }
      continue;
    }

    if (entry.service === 'contacts') {
      const zipPath = paths.take(['contacts', 'contacts.vcf']);
      async function* cards(): AsyncGenerator<Buffer> {
        const people = readAhead(versions(entry), (batch) => readVersionObjects(repository, batch));
        for await (const { item: version, loaded } of people) {
          options.signal?.throwIfAborted();
          const card = Buffer.from(renderVcard(loaded ?? (await readVersionObject(repository, version))));
          await record(componentRow(zipPath, 'contacts', version, card));
          itemDone(card.length);
          yield card;
        }
      }
      const result = await archive.add(zipPath, cards(), { mtime: entry.point.at });
      await record(fileRow(zipPath, 'contacts', result));
      continue;
    }

    // Drive: folders become directory entries, files their bytes, in the folder tree.
    // Files as their bytes, Google files without an Office form as their metadata (JSON, both small).
    const driveItems = readAhead(versions(entry), (batch) => readVersionsBytes(repository, batch));
    for await (const { item: version, loaded } of driveItems) {
      options.signal?.throwIfAborted();
      const root = version.metadata.trashed === true ? 'drive-trash' : 'drive';
      const folder = String(version.metadata.path ?? '/')
        .split('/')
        .filter((segment) => segment !== '')
        .map(safeSegment);
      if (contentKind('drive', version) !== 'file') {
        const name = safeSegment(String(version.metadata.name ?? version.itemKey));
        if (version.metadata.mimeType === FOLDER) {
          // A directory entry, so that empty folders are in the tree too.
          const zipPath = `${paths.take([root, ...folder, name])}/`;
          archive.addDirectory(zipPath, { mtime: entry.point.at });
          await record({
            path: zipPath,
            service: 'drive',
            itemKey: version.itemKey,
            version: version.version,
            size: 0,
            sha256: emptySha256,
          });
          itemDone(0);
          continue;
        }
        // A Google file with no Office form (form, shortcut, site...): its metadata as JSON.
        const zipPath = paths.take([root, ...folder, `${name}.gdrive.json`]);
        const object = loaded ? JSON.parse(loaded.toString()) : await readVersionObject(repository, version);
        const result = await archive.add(zipPath, Buffer.from(`${JSON.stringify(object, null, 2)}\n`), {
          mtime: entry.point.at,
        });
        await record({
          path: zipPath,
          service: 'drive',
          itemKey: version.itemKey,
          version: version.version,
          size: result.size,
          sha256: result.sha256,
        });
        itemDone(result.size);
        continue;
      }
      const info = driveFileInfo(version);
      const zipPath = paths.take([root, ...folder, info.fileName]);
      const modified = new Date(String(version.metadata.modifiedTime ?? ''));
      const result = await archive.add(zipPath, loaded ?? readVersionBytes(repository, version), {
        compress: worthCompressing(info.contentType),
        mtime: Number.isNaN(modified.getTime()) ? entry.point.at : modified,
      });
      await record({
        path: zipPath,
        service: 'drive',
        itemKey: version.itemKey,
        version: version.version,
        size: result.size,
        sha256: result.sha256,
      });
      itemDone(result.size);
    }
  }

  // The manifest: JSON (a header, then the spooled rows) and CSV.
  await spool.closeAll();
  const header = {
    format: 'safehold-export',
    formatVersion: 1,
    user: plan.sharedDrive ? null : plan.subjectEmail,
    sharedDrive: plan.sharedDrive,
    asOf: plan.asOf?.toISOString() ?? null,
    selection: plan.selection,
    services: Object.fromEntries(
      plan.sources.map((entry) => [
        entry.service,
        { backupPoint: entry.point.at.toISOString(), runId: entry.point.runId, items: entry.items },
      ]),
    ),
    missingServices: plan.missing,
  };
  const jsonHead = `${JSON.stringify(header).slice(0, -1)},"items":[\n`;
  async function* manifestJsonBody(): AsyncGenerator<Buffer> {
    yield Buffer.from(jsonHead);
    if (rows > 0)
      for await (const chunk of createReadStream(spool.files.get('manifest.json') as string)) yield chunk as Buffer;
    yield Buffer.from('\n]}\n');
  }
  await archive.add('manifest.json', manifestJsonBody(), { mtime: new Date() });
  await archive.add(
    'manifest.csv',
    rows > 0 ? createReadStream(spool.files.get('manifest.csv') as string) : [Buffer.from(csvHeader)],
    { mtime: new Date() },
  );
  await rm(options.workDir, { recursive: true, force: true });
  return { rows, bytes: progress.bytesDone };
}

function componentRow(zipPath: string, service: BackupService, version: ItemVersion, rendered: Buffer): ManifestRow {
  return {
    path: zipPath,
    service,
    itemKey: version.itemKey,
    version: version.version,
    size: rendered.length,
    sha256: createHash('sha256').update(rendered).digest('hex'),
  };
}

/** The row of a file that holds many items (an mbox, an .ics, the .vcf). */
function fileRow(zipPath: string, service: BackupService, result: ZipEntryResult): ManifestRow {
  return { path: zipPath, service, itemKey: null, version: null, size: result.size, sha256: result.sha256 };
}
