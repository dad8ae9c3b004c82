// Whose backup a restore takes, as the restore API names it (`user`: a user's email, or a shared
// drive's id — as browsing does), what the dialog calls it, where it goes by default ("Restore
// into": the user, or "This shared drive") and when "In place" is not on offer.
import type { Subject } from './contract.ts';

/**
 * What the restore API calls the backed-up subject (`user`: a user's email or a shared drive's
 * id, as browsing does), what the dialog calls it, and the first "Restore into" choice.
 */
export interface RestoreSource {
  kind: Subject['kind'];
  key: string;
  name: string;
  /** The first "Restore into" option: the user, or "This shared drive". */
  self: { value: string; label: string };
}

export function restoreSource(subject: Subject, subjectEmail: string): RestoreSource {
  if (subject.kind === 'shared_drive') {
    return {
      kind: 'shared_drive',
      key: subject.driveId,
      name: subject.name,
      self: { value: subject.driveId, label: 'This shared drive' },
    };
  }
  return { kind: 'user', key: subjectEmail, name: subjectEmail, self: { value: subjectEmail, label: subjectEmail } };
}

/**
 * Why "In place" is not offered for this target, or null: a shared drive goes back in place only
 * into itself — a user's My Drive has none of its folders, so there it goes under "Restored <date>".
 */
export function inPlaceRefusal(source: RestoreSource, to: string): string | null {
  return source.kind === 'shared_drive' && to !== source.key
    ? 'Only into the shared drive itself: in a user’s My Drive everything goes under “Restored <date>”.'
    : null;
}

/** The API's `to`: none when a shared drive is restored into itself, else the chosen user. */
export function restoreInto(source: RestoreSource, to: string): { to?: string } {
  return source.kind === 'shared_drive' && to === source.key ? {} : { to };
}
