// What other modules ask about the people identity keeps — staff users' organisations, a
// partner's owner and managers, a customer's members and their roles — so that no other
// module reads identity's tables. Functions that join with another module's rows take ids,
// or hand back a subquery to embed (the partners list), so the SQL stays one statement.
import { and, eq, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import type { StaffOrganisation } from '../policy/index.ts';
import { partnerColumn } from '../tenancy/index.ts';
import { customerMembers, oneTimeTokens, staffUsers, technicianAssignments } from './tables.ts';

export interface StaffOrganisationInfo {
  organisation: StaffOrganisation;
  /** How the organisation is named to readers outside it: "Partner: Acme MSP", "Safehold operator". */
  label: string;
}

/** The organisation of each staff user id given (ids that are not staff users are left out). */
export async function staffOrganisations(db: Db, userIds: string[]): Promise<Map<string, StaffOrganisationInfo>> {
  const uuids = userIds.filter((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id));
  if (uuids.length === 0) return new Map();
  const rows = await db
    .select({
      id: staffUsers.id,
      partnerId: staffUsers.partnerId,
      partnerName: partnerColumn(staffUsers.partnerId, 'name'),
    })
    .from(staffUsers)
    .where(inArray(staffUsers.id, [...new Set(uuids)]));
  return new Map(
    rows.map((row): [string, StaffOrganisationInfo] => [
      row.id,
      row.partnerId
        ? {
            organisation: { kind: 'partner', partnerId: row.partnerId },
            label: `Partner: ${row.partnerName ?? 'unknown partner'}`,
          }
        : { organisation: { kind: 'vendor' }, label: 'Safehold operator' },
    ]),
  );
}

/** Owners and admins of a partner (enabled accounts): who hears about its customers coming and going. */
export async function partnerManagerEmails(db: Db, partnerId: string): Promise<string[]> {
  const rows = await db
    .select({ email: staffUsers.email })
    .from(staffUsers)
    .where(
      and(
        eq(staffUsers.partnerId, partnerId),
        inArray(staffUsers.role, ['owner', 'admin']),
        isNull(staffUsers.disabledAt),
      ),
    );
  return rows.map((row) => row.email);
}

/**
 * A partner's owner as columns of a query over partners, given the SQL naming the outer row's
 * partner id: the owner's address, and the address and expiry of its live owner invitation (at
 * most one is unused: a new one revokes the others). Subqueries, so a list of partners stays
 * one statement and can filter on them.
 */
export function partnerOwnerColumns(partnerId: SQL): {
  ownerEmail: SQL<string | null>;
  invitedOwnerEmail: SQL<string | null>;
  invitedOwnerExpiresAt: SQL<Date | null>;
} {
  const ownerInvitation = (column: typeof oneTimeTokens.email | typeof oneTimeTokens.expiresAt) =>
    sql`(select ${column} from ${oneTimeTokens}
    where ${oneTimeTokens.partnerId} = ${partnerId} and ${oneTimeTokens.purpose} = 'invitation'
      and ${oneTimeTokens.role} = 'owner' and ${oneTimeTokens.usedAt} is null
    order by ${oneTimeTokens.createdAt} desc limit 1)`;
  return {
    ownerEmail: sql<string | null>`(select ${staffUsers.email} from ${staffUsers}
    where ${staffUsers.partnerId} = ${partnerId} and ${staffUsers.role} = 'owner' limit 1)`,
    invitedOwnerEmail: ownerInvitation(oneTimeTokens.email).mapWith(String),
    invitedOwnerExpiresAt: ownerInvitation(oneTimeTokens.expiresAt).mapWith(oneTimeTokens.expiresAt),
  };
}

export type CustomerMemberRow = typeof customerMembers.$inferSelect;
export type CustomerMemberRole = CustomerMemberRow['role'];

/** Gives the email the super_admin role in the tenant, creating the member if needed. */
export async function ensureSuperAdminMember(
  db: Db,
  customerId: string,
  email: string,
  newId: () => string,
): Promise<'created' | 'promoted' | 'unchanged'> {
  const lower = email.toLowerCase();
  const [existing] = await db
    .select()
    .from(customerMembers)
    .where(and(eq(customerMembers.customerId, customerId), sql`lower(${customerMembers.email}) = ${lower}`));
  if (!existing) {
    await db.insert(customerMembers).values({ id: newId(), customerId, email: lower, role: 'super_admin' });
    return 'created';
  }
  if (existing.role === 'super_admin') return 'unchanged';
  await db.update(customerMembers).set({ role: 'super_admin' }).where(eq(customerMembers.id, existing.id));
  return 'promoted';
}

export async function customerMembersOf(db: Db, customerId: string): Promise<CustomerMemberRow[]> {
  return db.select().from(customerMembers).where(eq(customerMembers.customerId, customerId));
}

export type GrantedRole = CustomerMemberRow['grantedRole'];

/**
 * Sets the role granted in Safehold to the member with this email, creating the member (who has
 * never signed in) when there is none. A super admin stays super admin while Google says so; the
 * granted role is what they fall back to. Returns the member's roles before (null: created) and after.
 */
export async function grantMemberRole(
  db: Db,
  customerId: string,
  email: string,
  granted: GrantedRole,
  newId: () => string,
  by: { label: string; at: Date },
): Promise<{
  before: { role: CustomerMemberRole; grantedRole: GrantedRole } | null;
  after: { role: CustomerMemberRole; grantedRole: GrantedRole };
}> {
  const lower = email.toLowerCase();
  const [existing] = await db
    .select()
    .from(customerMembers)
    .where(and(eq(customerMembers.customerId, customerId), sql`lower(${customerMembers.email}) = ${lower}`));
  if (!existing) {
    await db.insert(customerMembers).values({
      id: newId(),
      customerId,
      email: lower,
      role: granted,
      grantedRole: granted,
      grantedBy: by.label,
      grantedAt: by.at,
    });
    return { before: null, after: { role: granted, grantedRole: granted } };
  }
  const role = existing.role === 'super_admin' ? 'super_admin' : granted;
  await db
    .update(customerMembers)
    .set({ role, grantedRole: granted, grantedBy: by.label, grantedAt: by.at })
    .where(eq(customerMembers.id, existing.id));
  return { before: { role: existing.role, grantedRole: existing.grantedRole }, after: { role, grantedRole: granted } };
}

export async function setMemberRole(db: Db, memberId: string, role: CustomerMemberRole): Promise<void> {
  await db.update(customerMembers).set({ role }).where(eq(customerMembers.id, memberId));
}

export async function superAdminEmails(db: Db, customerId: string): Promise<string[]> {
  const rows = await db
    .select({ email: customerMembers.email })
    .from(customerMembers)
    .where(and(eq(customerMembers.customerId, customerId), eq(customerMembers.role, 'super_admin')));
  return rows.map((row) => row.email);
}

/** The address of a member of the customer; null when the id is no member of it. */
export async function customerMemberEmail(db: Db, customerId: string, memberId: string): Promise<string | null> {
  const [row] = await db
    .select({ email: customerMembers.email })
    .from(customerMembers)
    .where(and(eq(customerMembers.id, memberId), eq(customerMembers.customerId, customerId)));
  return row?.email ?? null;
}

/** Forgets every technician's assignment to the customer (its managing partner changed). */
export async function removeTechnicianAssignments(db: Db, customerId: string): Promise<void> {
  await db.delete(technicianAssignments).where(eq(technicianAssignments.customerId, customerId));
}

/** A partner member as the alerts' digest needs them: address, role and assigned customers. */
export interface PartnerMemberInfo {
  userId: string;
  email: string;
  partnerId: string;
  role: 'owner' | 'admin' | 'technician' | 'read_only' | 'billing';
  assignedCustomerIds: string[];
}

/** The enabled partner members among the given user ids (vendor operators and disabled accounts left out). */
export async function partnerMembers(db: Db, userIds: readonly string[]): Promise<PartnerMemberInfo[]> {
  if (userIds.length === 0) return [];
  const rows = await db
    .select({
      userId: staffUsers.id,
      email: staffUsers.email,
      partnerId: staffUsers.partnerId,
      role: staffUsers.role,
      assigned: sql<
        string[]
      >`coalesce((select array_agg(${technicianAssignments.customerId}) from ${technicianAssignments}
        where ${technicianAssignments.userId} = ${staffUsers.id}), '{}')`,
    })
    .from(staffUsers)
    .where(and(inArray(staffUsers.id, [...userIds]), eq(staffUsers.orgKind, 'partner'), isNull(staffUsers.disabledAt)));
  return rows.flatMap((row) =>
    row.partnerId && row.role !== 'support'
      ? [{ ...row, partnerId: row.partnerId, role: row.role, assignedCustomerIds: row.assigned }]
      : [],
  );
}
