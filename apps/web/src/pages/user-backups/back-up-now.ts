// Why "Back up now" is off on a user's page, and the sentence shown beside it (issue 17: it was
// enabled for users nobody could back up). It is shown only to viewers who may start backups
// (Viewer.mayBackUp): an end user does not see it at all.
import type { Subject } from './contract.ts';

/**
 * Why "Back up now" is off, or null when it is on. `license` is the user's from the directory
 * (undefined while unknown).
 */
export function backUpNowRefusal(
  subject: Subject,
  license: 'standard' | 'archived' | 'none' | undefined,
): string | null {
  if (subject.kind === 'shared_drive') return 'Shared drives are backed up with the domain’s scheduled backups.';
  if (license === 'none') return `${subject.email} has no license: assign one in the License Manager to back them up.`;
  if (license === 'archived') return `${subject.email} has an Archived license: their backups are kept, not renewed.`;
  return null;
}
