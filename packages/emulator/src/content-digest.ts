// Content digests per user and service, over content only (message bytes; file name, MIME type
// and content hash; event and contact fields without ids, etags or timestamps; not labels or
// parent folders), so a test can compare a user's data before deletion and after a restore.
import { createHash } from 'node:crypto';
import { EXPORT_FORMATS, GOOGLE_FOLDER } from './office-files.ts';
import type { Domain, DriveFile, User } from './state.ts';
import type { World } from './world.ts';

export type DigestService = 'gmail' | 'drive' | 'calendar' | 'contacts';

export interface ContentDigest {
  service: DigestService;
  user: string;
  /** sha256 over the sorted item digests. */
  digest: string;
  items: number;
  /** With `detail`: each item's digest and a label saying which item it is (sorted by digest). */
  entries?: Array<{ label: string; digest: string }>;
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${stable((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function fileDigest(world: World, f: DriveFile): { label: string; digest: string } {
  const format = EXPORT_FORMATS[f.mimeType]?.[0];
  const content = format ? world.exportFile(f, format) : world.fileContent(f);
  return {
    label: `${f.name} (${f.mimeType})`,
    digest: sha256(`${f.name}\0${f.mimeType}\0${sha256(content ?? Buffer.alloc(0))}`),
  };
}

export function itemDigests(
  world: World,
  domain: Domain,
  user: User,
  service: DigestService,
): Array<{ label: string; digest: string }> {
  switch (service) {
    case 'gmail':
      return [...user.mailbox.messages.values()].map((m) => ({ label: m.id, digest: sha256(world.mailRaw(user, m)) }));
    case 'drive':
      return [...domain.drive.files.values()]
        .filter(
          (f) =>
            f.ownerEmail === user.primaryEmail &&
            !f.trashed &&
            f.mimeType !== GOOGLE_FOLDER &&
            f.id !== user.rootFolderId,
        )
        .map((f) => fileDigest(world, f));
    case 'calendar':
      return [...user.calendars.values()].flatMap((c) =>
        [...c.events.values()]
          .filter((e) => e.status !== 'cancelled')
          .map((e) => ({
            label: e.summary ?? e.iCalUID,
            digest: sha256(
              stable({
                summary: e.summary,
                description: e.description,
                location: e.location,
                start: e.start,
                end: e.end,
                recurrence: e.recurrence,
                originalStartTime: e.originalStartTime,
                attendees: e.attendees?.map((a) => a.email).sort(),
              }),
            ),
          })),
      );
    case 'contacts':
      return [...user.people.contacts.values()]
        .filter((c) => !c.deleted)
        .map((c) => ({
          label: c.names?.[0]?.displayName ?? c.resourceName,
          digest: sha256(
            stable({
              names: c.names?.map((n) => ({ givenName: n.givenName, familyName: n.familyName })),
              emailAddresses: c.emailAddresses?.map((e) => e.value),
              phoneNumbers: c.phoneNumbers?.map((p) => p.value),
              organizations: c.organizations,
              biographies: c.biographies?.map((b) => b.value),
              addresses: c.addresses?.map((a) => a.formattedValue),
              birthdays: c.birthdays,
            }),
          ),
        }));
  }
}

export function contentDigest(
  world: World,
  domain: Domain,
  user: User,
  service: DigestService,
  detail = false,
): ContentDigest {
  const entries = itemDigests(world, domain, user, service).sort((a, b) =>
    a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0,
  );
  const digest: ContentDigest = {
    service,
    user: user.primaryEmail,
    digest: sha256(entries.map((entry) => entry.digest).join('\n')),
    items: entries.length,
  };
  return detail ? { ...digest, entries } : digest;
}

/** The digest of a shared drive's files (what a user's `drive` digest is for My Drive): the same file digests, folders left out. */
export function sharedDriveDigest(world: World, domain: Domain, driveId: string, detail = false): ContentDigest {
  const entries = [...domain.drive.files.values()]
    .filter((f) => f.driveId === driveId && !f.trashed && f.mimeType !== GOOGLE_FOLDER)
    .map((f) => fileDigest(world, f))
    .sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
  const digest: ContentDigest = {
    service: 'drive',
    user: driveId,
    digest: sha256(entries.map((entry) => entry.digest).join('\n')),
    items: entries.length,
  };
  return detail ? { ...digest, entries } : digest;
}
