// The shared drives of a domain as backup subjects. Users come from the tenant's licensed
// users (`usersToBackUp` in the customers module), not from the Directory API. Every drive
// listed is remembered (shared-drives.ts); only the protected ones become subjects.
import type { GoogleClient } from '@safehold/google';
import type { AppContext } from '../../context.ts';
import { customerGoogleClient, getConnection } from '../customers/index.ts';
import type { BackupSubject } from './backup-types.ts';
import { rememberSharedDrives } from './shared-drives.ts';

/**
 * Every protected shared drive of the domain, each with a member to impersonate (only members
 * can list a shared drive's files). Drives without any user member are skipped (nobody can
 * read them); so are drives the tenant does not protect, whose members are not even looked up.
 */
export async function listSharedDriveSubjects(
  ctx: Pick<AppContext, 'db' | 'clock'>,
  customerId: string,
  google: GoogleClient,
  adminEmail: string,
): Promise<BackupSubject[]> {
  const drives: Array<{ id: string; name: string }> = [];
  for await (const drive of google.drive.listDrives(adminEmail, { useDomainAdminAccess: true })) {
    drives.push({ id: drive.id, name: drive.name ?? drive.id });
  }
  const protectedIds = await rememberSharedDrives(ctx, customerId, drives);
  const subjects: BackupSubject[] = [];
  for (const drive of drives) {
    if (!protectedIds.has(drive.id)) continue;
    const member = await google.drive.findSharedDriveMember(adminEmail, drive.id);
    if (member) subjects.push({ kind: 'shared_drive', id: drive.id, email: member });
  }
  return subjects;
}

/**
 * The shared drives of a connected domain, listed from Google now (new ones remembered, as
 * protected as the tenant's setting says), for a whole-domain backup started from the API.
 * Null when they cannot be listed (not connected, Google unreachable or not configured): the
 * backup then covers the users and the drives already known, and says why in the log.
 */
export async function discoverSharedDriveSubjects(
  ctx: Pick<AppContext, 'db' | 'clock' | 'config' | 'logger'>,
  customerId: string,
): Promise<BackupSubject[] | null> {
  const connection = await getConnection(ctx.db, customerId);
  if (!connection) return null;
  try {
    return await listSharedDriveSubjects(
      ctx,
      customerId,
      await customerGoogleClient(ctx, customerId),
      connection.adminEmail,
    );
  } catch (error) {
    ctx.logger.warn({ err: error, customerId }, 'shared drives not listed: the backup covers the known ones');
    return null;
  }
}
