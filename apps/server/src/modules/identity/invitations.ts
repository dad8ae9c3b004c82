// Inviting people by link (single use, 72 hours): partner owners and admins invite members
// of their partner with a role no higher than their own; vendor admins invite operators.
import type { Db } from '../../db/database.ts';
import { AppError, notFound } from '../../http/errors.ts';
import { type Actor, authorizeInvitation, type PartnerRole, type VendorRole } from '../policy/policy.ts';
import { partnerPath } from '../tenancy/store.ts';
import type { IdentityDeps } from './deps.ts';
import { issueOneTimeToken, oneTimeLink } from './one-time-tokens.ts';
import type { RequestMeta } from './sessions.ts';
import { findStaffUserByEmail, partnerName, revokeInvitations, revokeOwnerInvitations } from './store.ts';

export interface InvitationResult {
  email: string;
  role: string;
  expiresAt: Date;
}

function actorRef(actor: Actor, label: string) {
  return {
    kind: 'staff' as const,
    id: actor.kind === 'vendor' || actor.kind === 'partner' ? actor.userId : null,
    label,
  };
}

async function issueInvitation(
  deps: Pick<IdentityDeps, 'db' | 'clock' | 'config'>,
  input: { email: string; role: string; partnerId: string | null; createdBy: string | null },
): Promise<{ link: string; expiresAt: Date }> {
  if (await findStaffUserByEmail(deps.db, input.email)) {
    throw new AppError('conflict', 'Someone with this email address has an account already.');
  }
  // A new invitation replaces the organisation's earlier one for the same address (and only
  // its own: another partner's pending invitation stays valid).
  await revokeInvitations(deps.db, input.email, input.partnerId, deps.clock.now());
  const issued = await issueOneTimeToken(deps.db, deps.clock, {
    purpose: 'invitation',
    email: input.email,
    partnerId: input.partnerId,
    role: input.role,
    createdBy: input.createdBy,
  });
  return { link: oneTimeLink(deps.config.publicUrl, 'invitation', issued.token), expiresAt: issued.expiresAt };
}

export async function invitePartnerUser(
  deps: IdentityDeps,
  actor: Actor,
  actorLabel: string,
  input: { partnerId: string; email: string; role: PartnerRole },
  meta: RequestMeta,
): Promise<InvitationResult> {
  const path = await partnerPath(deps.db, input.partnerId);
  if (path.length === 0) throw notFound('The partner');
  authorizeInvitation(actor, { kind: 'partner', partnerId: input.partnerId, partnerPath: path }, input.role);
  const email = input.email.trim().toLowerCase();
  const organisation = (await partnerName(deps.db, input.partnerId)) ?? 'your partner organisation';
  const { link, expiresAt } = await issueInvitation(deps, {
    email,
    role: input.role,
    partnerId: input.partnerId,
    createdBy: actor.kind === 'partner' ? actor.userId : null,
  });
  await deps.mail.send(partnerInvitationMail(email, organisation, actorLabel, input.role, link));
  await deps.audit.record({
    actor: actorRef(actor, actorLabel),
    tenants: [`partner:${input.partnerId}`],
    action: 'auth.invitation.send',
    target: email,
    ...meta,
    result: 'success',
    details: { role: input.role },
  });
  return { email, role: input.role, expiresAt };
}

function partnerInvitationMail(email: string, organisation: string, actorLabel: string, role: string, link: string) {
  return {
    to: email,
    subject: `You are invited to ${organisation} on Safehold`,
    text:
      `${actorLabel} invited you to join ${organisation} on Safehold as ${role.replace('_', '-')}.\n\n` +
      `Create your account with this link (valid for 72 hours, usable once):\n${link}\n`,
    secrets: [link],
  };
}

export interface OwnerInvitation extends InvitationResult {
  /** Mails the link (to the outbox without SMTP) and records the audit entry: call after the commit. */
  deliver(): Promise<void>;
}

/**
 * The owner invitation of a partner organisation (vendor admins): when the vendor onboards it,
 * or again while nobody has accepted. It replaces the partner's earlier owner invitations. The
 * link is issued on `tx` — e.g. the transaction that creates the partner — so a refused
 * invitation (the address has an account) creates nothing; the mail goes out on `deliver()`
 * after the commit (PGlite has one connection: mail inside the transaction would wait for it).
 */
export async function invitePartnerOwner(
  deps: IdentityDeps,
  tx: Db,
  actor: Actor,
  actorLabel: string,
  input: { partnerId: string; organisation: string; email: string },
  meta: RequestMeta,
): Promise<OwnerInvitation> {
  authorizeInvitation(actor, { kind: 'partner', partnerId: input.partnerId, partnerPath: [input.partnerId] }, 'owner');
  const email = input.email.trim().toLowerCase();
  await revokeOwnerInvitations(tx, input.partnerId, deps.clock.now());
  const { link, expiresAt } = await issueInvitation(
    { db: tx, clock: deps.clock, config: deps.config },
    { email, role: 'owner', partnerId: input.partnerId, createdBy: actor.kind === 'vendor' ? actor.userId : null },
  );
  return {
    email,
    role: 'owner',
    expiresAt,
    deliver: async () => {
      await deps.mail.send(partnerInvitationMail(email, input.organisation, actorLabel, 'owner', link));
      await deps.audit.record({
        actor: actorRef(actor, actorLabel),
        tenants: ['vendor', `partner:${input.partnerId}`],
        action: 'auth.invitation.send',
        target: email,
        ...meta,
        result: 'success',
        details: { role: 'owner' },
      });
    },
  };
}

export async function inviteVendorOperator(
  deps: IdentityDeps,
  actor: Actor,
  actorLabel: string,
  input: { email: string; role: VendorRole },
  meta: RequestMeta,
): Promise<InvitationResult> {
  authorizeInvitation(actor, { kind: 'vendor' }, input.role);
  const email = input.email.trim().toLowerCase();
  const { link, expiresAt } = await issueInvitation(deps, {
    email,
    role: input.role,
    partnerId: null,
    createdBy: actor.kind === 'vendor' ? actor.userId : null,
  });
  await deps.mail.send({
    to: email,
    subject: 'You are invited to operate Safehold',
    text:
      `${actorLabel} invited you to operate this Safehold installation as ${input.role}.\n\n` +
      `Create your account with this link (valid for 72 hours, usable once):\n${link}\n`,
    secrets: [link],
  });
  await deps.audit.record({
    actor: actorRef(actor, actorLabel),
    tenants: ['vendor'],
    action: 'auth.invitation.send',
    target: email,
    ...meta,
    result: 'success',
    details: { role: input.role },
  });
  return { email, role: input.role, expiresAt };
}
