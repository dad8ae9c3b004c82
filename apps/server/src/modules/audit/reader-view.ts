// What a reader is shown of audit entries: staff of another organisation appear as that
// organisation only (no person, id, IP address or user agent) — who counts as "another
// organisation" is the policy module's answer (auditView) — and every target by its name, with
// the object it is, instead of an internal id (issue 17).

import type { Db } from '../../db/database.ts';
import type { StaffOrganisationInfo } from '../identity/index.ts';
import type { AuditView } from '../policy/index.ts';
import { getCustomer } from '../tenancy/index.ts';
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
    // Inside a partner session (the entry says on whose behalf): the person and the reason, with
    // their organisation, but not their IP address or browser.
    if (entry.onBehalfOf && view.namesPartnerSessionStaff) {
      const organisation = known?.label ?? unknownOrganisation;
      return { ...entry, actorLabel: `${entry.actorLabel} (${organisation})`, ip: null, userAgent: null };
    }
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

/** The object an entry's target refers to, for a console to link to its page. */
export interface TargetObject {
  kind: 'customer' | 'user' | 'restore' | 'export';
  /** The customer's or restore's or export's id; the user's email. */
  id: string;
}

/**
 * An entry as a console shows its target: by name (the customer's domain, "Restore of …",
 * "Export of …"), never by an internal id, and the object it is (when it has one) to link to.
 */
export type NamedEntry = AuditEntry & { targetName: string | null; targetObject: TargetObject | null };

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const serviceNames: Record<string, string> = {
  gmail: 'Mail',
  drive: 'Drive',
  calendar: 'Calendar',
  contacts: 'Contacts',
};

/** The customers the entries belong to or name as their target (to look their domains up). */
export function customerIdsOf(entries: AuditEntry[]): string[] {
  const ids = entries.flatMap((entry) => [
    ...entry.tenants.flatMap((tenant) => (tenant.startsWith('customer:') ? [tenant.slice('customer:'.length)] : [])),
    ...(entry.target && uuidPattern.test(entry.target) ? [entry.target] : []),
  ]);
  return [...new Set(ids)];
}

/** Names every entry's target, given the domains of the customers among them (by id). */
export function nameTargets(entries: AuditEntry[], customerDomains: Map<string, string>): NamedEntry[] {
  const customerByDomain = new Map([...customerDomains].map(([id, domain]) => [domain, id]));
  return entries.map((entry) => ({ ...entry, ...targetOf(entry, customerDomains, customerByDomain) }));
}

function targetOf(
  entry: AuditEntry,
  customerDomains: Map<string, string>,
  customerByDomain: Map<string, string>,
): Pick<NamedEntry, 'targetName' | 'targetObject'> {
  const details = entry.details ?? {};
  const text = (key: string) => (typeof details[key] === 'string' ? (details[key] as string) : null);
  const service = (key: string) => serviceNames[text(key) ?? ''] ?? text(key) ?? 'data';
  const target = entry.target;
  // Restores are the target by id; their details say whose data went where.
  if (entry.action.startsWith('restore.') && target) {
    const from = text('user') ?? text('from');
    const to = text('to');
    const name = from
      ? `Restore of ${from}'s ${service('service')}${to && to !== from ? ` into ${to}` : ''}`
      : 'Restore';
    return { targetName: name, targetObject: { kind: 'restore', id: target } };
  }
  // Exports and item downloads name the customer as target; the details name the export or user.
  const exportId = text('exportId');
  if (exportId) {
    const user = text('user');
    return { targetName: user ? `Export of ${user}` : 'Export', targetObject: { kind: 'export', id: exportId } };
  }
  if (entry.action === 'item.download' && text('user')) {
    const user = text('user') ?? '';
    return { targetName: `${service('service')} item of ${user}`, targetObject: { kind: 'user', id: user } };
  }
  if (!target) return { targetName: null, targetObject: null };
  const domain = customerDomains.get(target);
  if (domain) return { targetName: domain, targetObject: { kind: 'customer', id: target } };
  const customerId = customerByDomain.get(target);
  if (customerId) return { targetName: target, targetObject: { kind: 'customer', id: customerId } };
  // License changes and purges name a directory user, who has a page in the customer console.
  if (entry.action.startsWith('licenses.') && target.includes('@')) {
    return { targetName: target, targetObject: { kind: 'user', id: target } };
  }
  return { targetName: uuidPattern.test(target) ? 'An object since deleted' : target, targetObject: null };
}

/** The domain of each customer id given that still exists (deleted ones are left out). */
export async function customerDomains(db: Db, customerIds: string[]): Promise<Map<string, string>> {
  const rows = await Promise.all(customerIds.filter((id) => uuidPattern.test(id)).map((id) => getCustomer(db, id)));
  return new Map(rows.flatMap((row) => (row ? [[row.id, row.domain] as [string, string]] : [])));
}
