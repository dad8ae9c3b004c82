// When "Back up now" is offered on a user's page, and the sentence shown instead when it is not
// (issue 17: it was enabled for users nobody could back up).
import type { Subject, Viewer } from './contract.ts';

/**
 * Why "Back up now" is off, or null when it is on. `license` is the user's from the directory
 * (admins only read it; undefined while unknown or for an end user on their own page).
 */
export function backUpNowRefusal(
  viewer: Pick<Viewer, 'mayBackUp'>,
  subject: Subject,
  license: 'standard' | 'archived' | 'none' | undefined,
): string | null {
  if (!viewer.mayBackUp) return 'You cannot start backups.';
  if (subject.kind === 'shared_drive') return 'Shared drives are backed up with the domain’s scheduled backups.';
  if (license === 'none') return `${subject.email} has no license: assign one in the License Manager to back them up.`;
  if (license === 'archived') return `${subject.email} has an Archived license: their backups are kept, not renewed.`;
  return null;
}
