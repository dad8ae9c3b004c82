// How the APIs and the CLI name a backup subject: a user by their email, a shared drive by its
// id (as browsing names them). Emails compare in lower case; a drive id is case-sensitive.

/** True when `subject` names a shared drive (an id), not a user (an email). */
export function isSharedDriveKey(subject: string): boolean {
  return !subject.includes('@');
}

/** The subject as stored and compared: an email in lower case, a shared drive's id as given. */
export function subjectKey(subject: string): string {
  return isSharedDriveKey(subject) ? subject : subject.toLowerCase();
}
