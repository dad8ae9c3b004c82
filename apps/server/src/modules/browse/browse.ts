// Browse a backup as of a backup point: a tenant's sources (a user's or shared drive's Gmail,
// Drive, Calendar, Contacts), their backup points, and what existed at a point — Gmail labels
// with message counts and the messages of a label, the Drive folder tree, calendars and their
// events, contacts — plus one item's details and version history. Reads through the backup
// module's history queries; every query carries the customer id. Lists are paged by key with an
// opaque cursor, so page N costs what page 1 costs.
import type { Db } from '../../db/database.ts';
import { AppError } from '../../http/errors.ts';
import {
  type BackupPoint,
  type BackupService,
  type BackupSource,
  calendarsAsOf,
  driveChildrenAsOf,
  FOLDER_MIME_TYPE,
  gmailLabelCounts,
  type ItemVersion,
  itemVersions,
  type LabelCount,
  listSourcesPage,
  resolveBackupPoint,
  sourceById,
  versionAsOf,
  versionsAsOf,
} from '../backup/index.ts';

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface PageRequest {
  cursor?: string | undefined;
  limit?: number | undefined;
}

function pageLimit(request: PageRequest): number {
  return Math.min(Math.max(request.limit ?? 100, 1), 1000);
}

/** Cursors are the page's last sort key, opaque to clients (base64url JSON). */
function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string, length: number): unknown[] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === length) return value;
  } catch {
    // Falls through: only cursors we handed out are valid.
  }
  throw new AppError('validation_failed', 'The page cursor is not valid.', { field: 'cursor' });
}

function keyCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const [key] = decodeCursor(cursor, 1);
  if (typeof key !== 'string')
    throw new AppError('validation_failed', 'The page cursor is not valid.', { field: 'cursor' });
  return key;
}

function pageOf<T>(rows: T[], limit: number, key: (row: T) => unknown[]): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(key(last)) : null };
}

// ---------------------------------------------------------------------------------------------
// Sources and backup points
// ---------------------------------------------------------------------------------------------

/** A tenant's sources, by subject email then service; narrowed to one user (email or shared drive id) and/or service. */
export async function listSources(
  db: Db,
  customerId: string,
  filter: { user?: string | undefined; service?: BackupService | undefined } & PageRequest,
): Promise<Page<BackupSource>> {
  const limit = pageLimit(filter);
  const after = filter.cursor ? decodeCursor(filter.cursor, 2) : null;
  const rows = await listSourcesPage(db, customerId, {
    user: filter.user,
    service: filter.service,
    ...(after ? { after: [String(after[0]), String(after[1])] as [string, string] } : {}),
    limit: limit + 1,
  });
  return pageOf(rows, limit, (row) => [row.subjectEmail.toLowerCase(), row.id]);
}

/** The source (of this tenant, and of `service` when given) or 404. */
export async function requireSource(
  db: Db,
  customerId: string,
  sourceId: string,
  service?: BackupService,
): Promise<BackupSource> {
  const source = await sourceById(db, customerId, sourceId);
  if (!source || (service && source.service !== service)) {
    throw new AppError('not_found', `No ${service ? `${service} ` : ''}backup source ${sourceId} in this tenant.`);
  }
  return source;
}

/** The backup point meant by "as of `at`" (the newest when absent), or 404 when there is none. */
export async function requirePoint(db: Db, customerId: string, source: BackupSource, at?: Date): Promise<BackupPoint> {
  const point = await resolveBackupPoint(db, customerId, source.id, at);
  if (!point) {
    throw new AppError(
      'not_found',
      at
        ? `${source.subjectEmail} ${source.service} has no backup point at or before ${at.toISOString()}.`
        : `${source.subjectEmail} ${source.service} has no backup point yet.`,
    );
  }
  return point;
}

// ---------------------------------------------------------------------------------------------
// Gmail
// ---------------------------------------------------------------------------------------------

export type { LabelCount };

/** Labels present on the messages as of `at`, with how many messages carry each. */
export function gmailLabels(db: Db, customerId: string, sourceId: string, at: Date): Promise<LabelCount[]> {
  return gmailLabelCounts(db, customerId, sourceId, at);
}

export interface MessageSummary {
  itemKey: string;
  version: number;
  subject: string | null;
  from: string | null;
  to: string | null;
  date: string | null;
  /** Gmail's internal date (ms since 1970) as an ISO time. */
  internalDate: string | null;
  size: number;
  labelIds: string[];
  labelNames: string[];
  /** Whether the message has an attachment; absent for versions backed up before it was recorded. */
  hasAttachments?: boolean;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];

export function messageSummary(version: ItemVersion): MessageSummary {
  const m = version.metadata;
  const internal = typeof m.internalDate === 'string' && /^\d+$/.test(m.internalDate) ? Number(m.internalDate) : null;
  return {
    itemKey: version.itemKey,
    version: version.version,
    subject: text(m.subject),
    from: text(m.from),
    to: text(m.to),
    date: text(m.date),
    internalDate: internal === null ? null : new Date(internal).toISOString(),
    size: version.size,
    labelIds: strings(m.labelIds),
    labelNames: strings(m.labelNames),
    ...(typeof m.hasAttachments === 'boolean' ? { hasAttachments: m.hasAttachments } : {}),
  };
}

/** Messages as of `at` (those with label `labelId` when given), by message id. */
export async function gmailMessages(
  db: Db,
  options: { customerId: string; sourceId: string; at: Date; labelId?: string | undefined } & PageRequest,
): Promise<Page<MessageSummary>> {
  const limit = pageLimit(options);
  const afterKey = keyCursor(options.cursor);
  const rows = await versionsAsOf(db, {
    customerId: options.customerId,
    sourceId: options.sourceId,
    at: options.at,
    limit: limit + 1,
    ...(afterKey === undefined ? {} : { afterKey }),
    ...(options.labelId ? { filter: { labelId: options.labelId } } : {}),
  });
  return pageOf(rows.map(messageSummary), limit, (row) => [row.itemKey]);
}

// ---------------------------------------------------------------------------------------------
// Drive
// ---------------------------------------------------------------------------------------------

export interface DriveEntry {
  itemKey: string;
  version: number;
  name: string;
  mimeType: string | null;
  isFolder: boolean;
  size: number;
  modifiedTime: string | null;
  /** The folder path the entry is in ("/" at the top). */
  path: string;
  trashed: boolean;
  /** The first owner's email (Drive's `owners`); null for a shared drive's files, which have none. */
  owner: string | null;
}

/** The first owner's email, else their name (Drive lists one owner for a My Drive file). */
function firstOwner(owners: unknown): string | null {
  if (!Array.isArray(owners)) return null;
  const owner = owners[0] as { emailAddress?: unknown; displayName?: unknown } | undefined;
  return text(owner?.emailAddress) ?? text(owner?.displayName);
}

export function driveEntry(version: ItemVersion): DriveEntry {
  const m = version.metadata;
  return {
    itemKey: version.itemKey,
    version: version.version,
    name: text(m.name) ?? version.itemKey,
    mimeType: text(m.mimeType),
    isFolder: m.mimeType === FOLDER_MIME_TYPE,
    size: typeof m.size === 'string' || typeof m.size === 'number' ? Number(m.size) : version.size,
    modifiedTime: text(m.modifiedTime),
    path: text(m.path) ?? '/',
    trashed: m.trashed === true,
    owner: firstOwner(m.owners),
  };
}

export interface FolderInfo {
  itemKey: string;
  name: string;
  /** The folder's own path ("/Projects/2026"). */
  path: string;
  /** Its ancestors as of the same point, outermost first (breadcrumbs). */
  ancestors: Array<{ itemKey: string; name: string }>;
}

const firstParent = (version: ItemVersion): string | null => {
  const parents = version.metadata.parents;
  return Array.isArray(parents) && typeof parents[0] === 'string' ? parents[0] : null;
};

/** A folder as of `at` with its path and ancestors, or 404 when it is not a folder then. */
export async function driveFolder(
  db: Db,
  customerId: string,
  sourceId: string,
  folderId: string,
  at: Date,
): Promise<FolderInfo> {
  const folder = await versionAsOf(db, customerId, sourceId, folderId, at);
  if (!folder || folder.metadata.mimeType !== FOLDER_MIME_TYPE) {
    throw new AppError('not_found', `No folder ${folderId} in this backup as of ${at.toISOString()}.`);
  }
  const ancestors: FolderInfo['ancestors'] = [];
  let parent = firstParent(folder);
  for (let depth = 0; parent && depth < 64; depth++) {
    const above = await versionAsOf(db, customerId, sourceId, parent, at);
    if (!above) break;
    ancestors.unshift({ itemKey: above.itemKey, name: text(above.metadata.name) ?? above.itemKey });
    parent = firstParent(above);
  }
  const name = text(folder.metadata.name) ?? folder.itemKey;
  return { itemKey: folder.itemKey, name, path: `/${[...ancestors.map((a) => a.name), name].join('/')}`, ancestors };
}

/**
 * The entries of a folder as of `at` — or, without a folder, of the top level (entries whose
 * parent is not a folder of this backup: My Drive's or the shared drive's root) — folders
 * first, then by name.
 */
export async function driveChildren(
  db: Db,
  options: { customerId: string; sourceId: string; at: Date; folderId?: string | undefined } & PageRequest,
): Promise<Page<DriveEntry>> {
  const limit = pageLimit(options);
  const after = options.cursor ? decodeCursor(options.cursor, 3) : null;
  const rows = await driveChildrenAsOf(db, {
    customerId: options.customerId,
    sourceId: options.sourceId,
    at: options.at,
    folderId: options.folderId,
    ...(after ? { after: [Number(after[0]), String(after[1]), String(after[2])] as [number, string, string] } : {}),
    limit: limit + 1,
  });
  return pageOf(rows.map(driveEntry), limit, (entry) => [entry.isFolder ? 0 : 1, entry.name, entry.itemKey]);
}

// ---------------------------------------------------------------------------------------------
// Calendar and Contacts
// ---------------------------------------------------------------------------------------------

/** The calendars with events as of `at` (item keys are `<calendarId>/<eventId>`), with their event counts. */
export async function calendars(
  db: Db,
  customerId: string,
  sourceId: string,
  at: Date,
): Promise<Array<{ calendarId: string; events: number }>> {
  return calendarsAsOf(db, customerId, sourceId, at);
}

export interface EventSummary {
  itemKey: string;
  version: number;
  calendarId: string;
  summary: string | null;
  iCalUID: string | null;
  recurringEventId: string | null;
  updated: string | null;
  /** Start and end: a date ("2026-12-04") for an all-day event, else an RFC 3339 time; null when not recorded. */
  start: string | null;
  end: string | null;
  allDay: boolean;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export function eventSummary(version: ItemVersion): EventSummary {
  const m = version.metadata;
  return {
    itemKey: version.itemKey,
    version: version.version,
    calendarId: text(m.calendarId) ?? version.itemKey.slice(0, version.itemKey.lastIndexOf('/')),
    summary: text(m.summary),
    iCalUID: text(m.iCalUID),
    recurringEventId: text(m.recurringEventId),
    updated: text(m.updated),
    start: text(m.start),
    end: text(m.end),
    allDay: DATE_ONLY.test(text(m.start) ?? ''),
  };
}

/** Events of one calendar as of `at`, by item key (a key range: `<calendarId>/…`). */
export async function calendarEvents(
  db: Db,
  options: { customerId: string; sourceId: string; at: Date; calendarId: string } & PageRequest,
): Promise<Page<EventSummary>> {
  const limit = pageLimit(options);
  const prefix = `${options.calendarId}/`;
  const afterKey = keyCursor(options.cursor) ?? prefix;
  const rows = await versionsAsOf(db, {
    customerId: options.customerId,
    sourceId: options.sourceId,
    at: options.at,
    afterKey,
    limit: limit + 1,
    // Keys of this calendar sort between "<id>/" and "<id>0" ('0' follows '/'); the prefix keeps it exact under any collation.
    filter: { keyPrefix: prefix },
  });
  return pageOf(rows.map(eventSummary), limit, (row) => [row.itemKey]);
}

export interface ContactSummary {
  itemKey: string;
  version: number;
  displayName: string | null;
  /** The primary email and phone number; null when the contact has none (or was backed up before they were recorded). */
  email: string | null;
  phone: string | null;
}

export function contactSummary(version: ItemVersion): ContactSummary {
  const m = version.metadata;
  return {
    itemKey: version.itemKey,
    version: version.version,
    displayName: text(m.displayName),
    email: text(m.email),
    phone: text(m.phone),
  };
}

export async function contacts(
  db: Db,
  options: { customerId: string; sourceId: string; at: Date } & PageRequest,
): Promise<Page<ContactSummary>> {
  const limit = pageLimit(options);
  const afterKey = keyCursor(options.cursor);
  const rows = await versionsAsOf(db, {
    customerId: options.customerId,
    sourceId: options.sourceId,
    at: options.at,
    limit: limit + 1,
    ...(afterKey === undefined ? {} : { afterKey }),
  });
  return pageOf(rows.map(contactSummary), limit, (row) => [row.itemKey]);
}

// ---------------------------------------------------------------------------------------------
// One item
// ---------------------------------------------------------------------------------------------

export interface ItemDetails {
  itemKey: string;
  /** The version valid at the requested point, or null when the item did not exist then. */
  asOf: ItemVersion | null;
  /** Every version, oldest first: each valid from validFrom until validTo (null = still current). */
  versions: ItemVersion[];
}

export async function itemDetails(
  db: Db,
  options: { customerId: string; sourceId: string; itemKey: string; at: Date },
): Promise<ItemDetails> {
  const versions = await itemVersions(db, options.customerId, options.sourceId, options.itemKey);
  if (versions.length === 0) throw new AppError('not_found', `No item ${options.itemKey} in this backup.`);
  const at = options.at.getTime();
  const asOf =
    versions.find(
      (version) => version.validFrom.getTime() <= at && (version.validTo === null || version.validTo.getTime() > at),
    ) ?? null;
  return { itemKey: options.itemKey, asOf, versions };
}
