// Which version a single-item download means: the version asked for, the one valid at `asOf`,
// or else the item's newest version (so a deleted item can still be downloaded). Always within
// the customer: a source or item of another tenant is not found.
import type { Db } from '../../db/database.ts';
import { notFound } from '../../http/errors.ts';
import { type BackupSource, type ItemVersion, itemVersions, sourceById } from '../backup/index.ts';

export interface ItemRequest {
  source: string;
  item: string;
  version?: number | undefined;
  asOf?: Date | undefined;
}

export async function findItemVersion(
  db: Db,
  customerId: string,
  request: ItemRequest,
  /** The only subject (email, lower case) whose items may be downloaded; null: any (ownSubjectOnly). */
  onlySubject: string | null = null,
): Promise<{ source: BackupSource; version: ItemVersion }> {
  const source = await sourceById(db, customerId, request.source);
  // An end user's download of another user's item: as if the source did not exist.
  if (!source || (onlySubject && source.subjectEmail.toLowerCase() !== onlySubject)) throw notFound('Backup source');
  const history = await itemVersions(db, customerId, source.id, request.item);
  let version: ItemVersion | undefined;
  if (request.version !== undefined) {
    version = history.find((entry) => entry.version === request.version);
  } else if (request.asOf) {
    const at = request.asOf.getTime();
    version = history.find(
      (entry) => entry.validFrom.getTime() <= at && (entry.validTo === null || entry.validTo.getTime() > at),
    );
  } else {
    version = history.at(-1);
  }
  if (!version) throw notFound(request.asOf ? 'The item as of that time' : 'Item');
  return { source, version };
}

export function itemDownloadDetails(source: BackupSource, version: ItemVersion): Record<string, unknown> {
  return {
    sourceId: source.id,
    user: source.subjectEmail,
    service: source.service,
    item: version.itemKey,
    version: version.version,
  };
}
