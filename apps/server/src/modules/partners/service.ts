// The vendor's partner program (PRODUCT.md §5): list partners, onboard one (creates the
// organisation and invites its owner by email), suspend and reactivate. Suspending ends every
// session of the partner's users at once, and sign-in refuses them while suspended
// (identity/sign-in.ts); their customers keep being backed up.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { AppError, notFound } from '../../http/errors.ts';
import type { AuditEntryInput } from '../audit/index.ts';
import { endPartnerSessions, type IdentityDeps, invitePartnerOwner, partnerOwnerColumns } from '../identity/index.ts';
import { type Actor, authorize } from '../policy/index.ts';
import { freshSeatFigures } from '../reseller/index.ts';
import {
  getPartnerSummary,
  insertPartner,
  listPartners,
  type PartnerListQuery,
  type PartnerStatus,
  type PartnerSummary,
  partnerPath,
  partnerSubtreeIds,
  setPartnerStatus,
} from '../tenancy/index.ts';

export interface PartnersDeps {
  ctx: Pick<AppContext, 'db' | 'clock' | 'audit'>;
  identity: IdentityDeps;
}

/** Who acts, for audit entries: the signed-in user's actor and request fields. */
export type PartnerAuditActor = Pick<AuditEntryInput, 'actor' | 'ip' | 'userAgent'>;

const vendor = { kind: 'vendor' } as const;

/** The figures of a distributor's whole subtree: its own customers and its partners'. */
export interface SubtreeFigures {
  /** Partners below it. */
  partners: number;
  customers: number;
  seats: number;
  storageBytes: number;
}

/**
 * A partner as the vendor's Partners page lists it: with its own customers' seats and storage,
 * and for a distributor (a partner with partners under it) its subtree's totals besides.
 */
export type PartnerWithFigures = PartnerSummary & {
  seats: number;
  storageBytes: number;
  subtree: SubtreeFigures | null;
};

async function subtreeFigures(deps: PartnersDeps, now: Date, partnerId: string): Promise<SubtreeFigures | null> {
  const { db } = deps.ctx;
  const ids = await partnerSubtreeIds(db, partnerId);
  if (ids.length <= 1) return null;
  const seatFigures = await freshSeatFigures(db, now, ids, null);
  const result = await db.execute(sql`
    select count(*)::int as customers, coalesce(sum(standard_seats + archived_seats), 0)::float8 as seats,
      coalesce(sum(storage_bytes), 0)::float8 as bytes
      from ${seatFigures} as figures`);
  const [row] = (result as unknown as { rows: { customers: number; seats: number; bytes: number }[] }).rows;
  return {
    partners: ids.length - 1,
    customers: Number(row?.customers ?? 0),
    seats: Number(row?.seats ?? 0),
    storageBytes: Number(row?.bytes ?? 0),
  };
}

export async function listPartnersFor(
  deps: PartnersDeps,
  actor: Actor,
  query: PartnerListQuery,
): Promise<{ total: number; partners: PartnerWithFigures[] }> {
  authorize(actor, 'vendor.partners.read', vendor);
  const { db, clock } = deps.ctx;
  const listed = await listPartners(db, query, partnerOwnerColumns);
  // Seats (standard + archived licenses) and stored bytes of each listed partner's own customers,
  // from the Reseller Console's health summary (recomputed where stale), as its customers list shows them.
  const figures = new Map<string, { seats: number; storageBytes: number }>();
  const ids = listed.partners.map((partner) => partner.id);
  if (ids.length > 0) {
    const seatFigures = await freshSeatFigures(db, clock.now(), ids, null);
    const result = await db.execute(sql`
      select partner_id, sum(standard_seats + archived_seats)::float8 as seats, sum(storage_bytes)::float8 as bytes
        from ${seatFigures} as figures group by partner_id`);
    for (const row of (result as unknown as { rows: { partner_id: string; seats: number; bytes: number }[] }).rows) {
      figures.set(row.partner_id, { seats: Number(row.seats), storageBytes: Number(row.bytes) });
    }
  }
  const now = clock.now();
  const partners: PartnerWithFigures[] = [];
  for (const partner of listed.partners) {
    partners.push({
      ...partner,
      ...(figures.get(partner.id) ?? { seats: 0, storageBytes: 0 }),
      subtree: await subtreeFigures(deps, now, partner.id),
    });
  }
  return { total: listed.total, partners };
}

export async function onboardPartner(
  deps: PartnersDeps,
  actor: Actor,
  audit: PartnerAuditActor,
  input: { name: string; ownerEmail: string; parentPartnerId?: string },
): Promise<{ partner: PartnerSummary; invitation: { email: string; expiresAt: Date } }> {
  const { db, clock } = deps.ctx;
  // The vendor onboards a top-level partner; a distributor's owner or admin a child under it.
  const parentPartnerId = input.parentPartnerId ?? null;
  const parentPath = parentPartnerId ? await partnerPath(db, parentPartnerId) : [];
  if (parentPartnerId) {
    if (parentPath.length === 0) throw notFound('The partner');
    authorize(actor, 'partner.partners.manage', {
      kind: 'partner',
      partnerId: parentPartnerId,
      partnerPath: parentPath,
    });
  } else {
    authorize(actor, 'vendor.partners.manage', vendor);
  }
  const id = randomUUID();
  const name = input.name.trim();
  const meta = { ip: audit.ip ?? '', userAgent: audit.userAgent ?? null };
  const invitation = await db.transaction(async (tx) => {
    await insertPartner(tx, { id, name, createdAt: clock.now(), parentPartnerId });
    await deps.ctx.audit.record(
      {
        ...audit,
        tenants: ['vendor', ...parentPath.map((partnerId) => `partner:${partnerId}` as const), `partner:${id}`],
        action: 'partner.create',
        target: name,
        result: 'success',
        details: {
          ownerEmail: input.ownerEmail.trim().toLowerCase(),
          ...(parentPartnerId ? { parentPartnerId } : {}),
        },
      },
      tx,
    );
    // Refused (the address has an account already) → the partner is not created either.
    return invitePartnerOwner(
      deps.identity,
      tx,
      actor,
      audit.actor.label,
      { partnerId: id, organisation: name, email: input.ownerEmail },
      meta,
    );
  });
  await invitation.deliver();
  const partner = await getPartnerSummary(db, id, partnerOwnerColumns);
  if (!partner) throw notFound('The partner');
  return { partner, invitation: { email: invitation.email, expiresAt: invitation.expiresAt } };
}

/**
 * Sends the owner invitation again (e.g. after it expired), to the same or another address,
 * while the partner has no owner; the earlier link stops working. The vendor's admins for any
 * partner; a distributor's owner and admins for a partner of its subtree (`authorized` says the
 * caller checked that: authorizeSubtreePartner).
 */
export async function resendOwnerInvitation(
  deps: PartnersDeps,
  actor: Actor,
  audit: PartnerAuditActor,
  partnerId: string,
  ownerEmail: string | undefined,
  authorized: 'vendor' | 'subtree' = 'vendor',
): Promise<{ email: string; expiresAt: Date }> {
  if (authorized === 'vendor') authorize(actor, 'vendor.partners.manage', vendor);
  const partner = await getPartnerSummary(deps.ctx.db, partnerId, partnerOwnerColumns);
  if (!partner) throw notFound('The partner');
  if (partner.ownerEmail && !partner.ownerInvitationPending) {
    throw new AppError('conflict', `${partner.name} has an owner already (${partner.ownerEmail}).`);
  }
  const email = ownerEmail ?? partner.ownerEmail;
  if (!email) {
    throw new AppError('validation_failed', 'body.ownerEmail: Enter the owner email.', { field: 'body.ownerEmail' });
  }
  const meta = { ip: audit.ip ?? '', userAgent: audit.userAgent ?? null };
  const invitation = await deps.ctx.db.transaction((tx) =>
    invitePartnerOwner(
      deps.identity,
      tx,
      actor,
      audit.actor.label,
      { partnerId, organisation: partner.name, email },
      meta,
    ),
  );
  await invitation.deliver();
  return { email: invitation.email, expiresAt: invitation.expiresAt };
}

/** Suspends or reactivates a partner; suspending ends its users' sessions in the same transaction. */
export async function changePartnerStatus(
  deps: PartnersDeps,
  actor: Actor,
  audit: PartnerAuditActor,
  partnerId: string,
  status: PartnerStatus,
): Promise<PartnerSummary> {
  authorize(actor, 'vendor.partners.manage', vendor);
  const { db } = deps.ctx;
  const before = await getPartnerSummary(db, partnerId, partnerOwnerColumns);
  if (!before) throw notFound('The partner');
  await db.transaction(async (tx) => {
    if (!(await setPartnerStatus(tx, partnerId, status))) return; // already so: nothing to record
    const sessionsEnded = status === 'suspended' ? await endPartnerSessions(tx, partnerId) : 0;
    await deps.ctx.audit.record(
      {
        ...audit,
        tenants: ['vendor', `partner:${partnerId}`],
        action: status === 'suspended' ? 'partner.suspend' : 'partner.reactivate',
        target: before.name,
        result: 'success',
        ...(status === 'suspended' ? { details: { sessionsEnded } } : {}),
      },
      tx,
    );
  });
  return (await getPartnerSummary(db, partnerId, partnerOwnerColumns)) ?? before;
}
