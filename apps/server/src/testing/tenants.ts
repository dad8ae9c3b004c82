// Test seeding of customer tenants without Google: a customer row, its directory users (with
// licenses) and its console members, plus signed-in sessions for members and staff users, so
// API and browser tests can start from "a connected customer whose super admin is signed in".
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { directoryUsers } from '../modules/customers/tables.ts';
import { createSession } from '../modules/identity/index.ts';
import { customerMembers } from '../modules/identity/tables.ts';
import { customers } from '../modules/tenancy/tables.ts';

export interface SeedCustomerOptions {
  domain: string;
  name?: string;
  partnerId?: string | null;
  status?: 'trial' | 'active' | 'suspended' | 'cancelled';
  trialEndsAt?: Date | null;
  seatsPurchased?: number;
  /** Directory users of the domain and their Safehold license. */
  users?: { email: string; license?: 'standard' | 'archived' | null; isAdmin?: boolean }[];
  /** People who may sign in to the customer console. */
  members?: { email: string; role: 'super_admin' | 'helpdesk_admin' | 'end_user' }[];
}

export interface SeededCustomer {
  id: string;
  domain: string;
  /** Member ids by email. */
  members: Map<string, string>;
}

export async function seedCustomer(db: Db, clock: Clock, options: SeedCustomerOptions): Promise<SeededCustomer> {
  const id = randomUUID();
  const now = clock.now();
  await db.insert(customers).values({
    id,
    domain: options.domain,
    name: options.name ?? options.domain,
    partnerId: options.partnerId ?? null,
    status: options.status ?? 'trial',
    trialEndsAt: options.trialEndsAt === undefined ? new Date(now.getTime() + 14 * 24 * 3600_000) : options.trialEndsAt,
    seatsPurchased: options.seatsPurchased ?? 0,
  });
  for (const [index, user] of (options.users ?? []).entries()) {
    await db.insert(directoryUsers).values({
      id: randomUUID(),
      customerId: id,
      googleId: `g-${index}-${randomUUID()}`,
      primaryEmail: user.email,
      isAdmin: user.isAdmin ?? false,
      firstSeenAt: now,
      lastSyncedAt: now,
      license: user.license ?? null,
      licensedAt: user.license ? now : null,
    });
  }
  const members = new Map<string, string>();
  for (const member of options.members ?? []) {
    const memberId = randomUUID();
    await db.insert(customerMembers).values({
      id: memberId,
      customerId: id,
      email: member.email,
      role: member.role,
      grantedRole: member.role === 'helpdesk_admin' ? 'helpdesk_admin' : 'end_user',
    });
    members.set(member.email, memberId);
  }
  return { id, domain: options.domain, members };
}

/** A fully signed-in session id (the cookie value) for a customer member or a staff user. */
export function signedInSession(
  db: Db,
  clock: Clock,
  subject: { kind: 'customer'; customerMemberId: string } | { kind: 'staff'; staffUserId: string },
): Promise<string> {
  return createSession(db, clock, subject, 'signed_in', { ip: '127.0.0.1', userAgent: 'test' });
}
