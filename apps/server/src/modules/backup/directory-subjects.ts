// Which users of a domain the CLI backs up. STAND-IN until the directory/licensing module
// lands: it asks the Directory API directly for the domain's active users. The integrator
// replaces this one function with "the licensed users of the tenant" from the directory tables.
import type { GoogleClient } from '@safehold/google';
import type { BackupSubject } from './backup-jobs.ts';

export async function listBackupSubjects(
  google: GoogleClient,
  domain: string,
  adminEmail: string,
): Promise<BackupSubject[]> {
  const subjects: BackupSubject[] = [];
  for await (const user of google.directory.listUsers(adminEmail, { domain })) {
    const flags = user as { suspended?: boolean; archived?: boolean };
    if (flags.suspended || flags.archived) continue;
    subjects.push({ kind: 'user', id: user.id, email: user.primaryEmail });
  }
  return subjects;
}

/**
 * Every shared drive of the domain, each with a member to impersonate (only members can list a
 * shared drive's files). Drives without any user member are skipped (nobody can read them).
 */
export async function listSharedDriveSubjects(google: GoogleClient, adminEmail: string): Promise<BackupSubject[]> {
  const subjects: BackupSubject[] = [];
  for await (const drive of google.drive.listDrives(adminEmail, { useDomainAdminAccess: true })) {
    const member = await google.drive.findSharedDriveMember(adminEmail, drive.id);
    if (member) subjects.push({ kind: 'shared_drive', id: drive.id, email: member });
  }
  return subjects;
}
