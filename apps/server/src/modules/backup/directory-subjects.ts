// The shared drives of a domain as backup subjects. Users come from the tenant's licensed
// users (`usersToBackUp` in the customers module), not from the Directory API.
import type { GoogleClient } from '@safehold/google';
import type { BackupSubject } from './backup-jobs.ts';

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
