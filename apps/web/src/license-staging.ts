// The License Manager's staged changes: licenses chosen for selected users but not saved yet.
// They are kept by user id, so they survive paging, searching and filtering, and are sent as
// one atomic batch by "Save Changes".
export type LicenseState = 'standard' | 'archived' | 'none';

export interface StagedChange {
  userId: string;
  email: string;
  from: LicenseState;
  to: LicenseState;
}

export type StagedChanges = ReadonlyMap<string, StagedChange>;

/**
 * Stages `to` for each user. Staging the license a user already holds cancels that user's
 * pending change instead (nothing would change for them).
 */
export function stageLicense(
  staged: StagedChanges,
  users: Iterable<{ id: string; email: string; license: LicenseState }>,
  to: LicenseState,
): Map<string, StagedChange> {
  const next = new Map(staged);
  for (const user of users) {
    if (user.license === to) next.delete(user.id);
    else next.set(user.id, { userId: user.id, email: user.email, from: user.license, to });
  }
  return next;
}

/** How the number of assigned seats moves once the staged changes are saved. */
export function seatDelta(staged: StagedChanges): number {
  let delta = 0;
  for (const change of staged.values()) {
    if (change.from === 'none' && change.to !== 'none') delta += 1;
    if (change.from !== 'none' && change.to === 'none') delta -= 1;
  }
  return delta;
}

/** The body of POST /api/customers/:customerId/licenses for the staged changes. */
export function licenseBatch(staged: StagedChanges): { userId: string; license: LicenseState }[] {
  return [...staged.values()].map((change) => ({ userId: change.userId, license: change.to }));
}
