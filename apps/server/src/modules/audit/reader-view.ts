// What a reader is shown of audit entries: staff of another organisation appear as that
// organisation only (no person, id, IP address or user agent). Who counts as "another
// organisation" is the policy module's answer (auditView).
import type { AuditView } from '../policy/policy.ts';
import type { StaffOrganisationInfo } from '../tenancy/index.ts';
import type { AuditEntry } from './service.ts';

/** Label of a staff actor whose organisation is not known any more. */
const unknownOrganisation = 'Staff of another organisation';

export function presentForReader(
  entries: AuditEntry[],
  view: AuditView,
  organisations: Map<string, StaffOrganisationInfo>,
): AuditEntry[] {
  return entries.map((entry) => {
    if (entry.actorKind !== 'staff') return entry;
    const known = entry.actorId ? organisations.get(entry.actorId) : undefined;
    if (known ? view.namesStaffOf(known.organisation) : view.namesStaffOf({ kind: 'vendor' })) return entry;
    return {
      ...entry,
      actorId: null,
      actorLabel: known?.label ?? unknownOrganisation,
      onBehalfOf: null,
      ip: null,
      userAgent: null,
    };
  });
}

/** Staff user ids among the entries' actors (to look their organisations up). */
export function staffActorIds(entries: AuditEntry[]): string[] {
  return entries.flatMap((entry) => (entry.actorKind === 'staff' && entry.actorId ? [entry.actorId] : []));
}
