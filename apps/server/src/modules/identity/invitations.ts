// Inviting people by link (single use, 72 hours): partner owners and admins invite members
// of their partner with a role no higher than their own; vendor admins invite operators.
// An address that has an account already gets the same answer as any other (else inviting
// would tell who has an account): its person is mailed that they cannot join, without a link.
import type { Db } from '../../db/database.ts';
import { notFound } from '../../http/errors.ts';
import {
  type Actor,
  authorizeInvitation,
  authorizeOwnerInvitation,
  type PartnerRole,
  type VendorRole,
} from '../policy/index.ts';
import { partnerPath } from '../tenancy/index.ts';
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

/** The link to mail, or null when the address has an account (it could not be accepted). */
async function issueInvitation(
  deps: Pick<IdentityDeps, 'db' | 'clock' | 'config'>,
  input: { email: string; role: string; partnerId: string | null; createdBy: string | null },
): Promise<{ link: string | null; expiresAt: Date }> {
  const hasAccount = (await findStaffUserByEmail(deps.db, input.email)) !== null;
  // The token is issued either way, so the organisation's view (a pending owner invitation,
  // its expiry) is the same whether or not the address has an account. A new invitation replaces the organisation's earlier one for the same address (and only
  // its own: another partner's pending invitation stays valid).
  await revokeInvitations(deps.db, input.email, input.partnerId, deps.clock.now());
  const issued = await issueOneTimeToken(deps.db, deps.clock, {
    purpose: 'invitation',
    email: input.email,
    partnerId: input.partnerId,
    role: input.role,
    createdBy: input.createdBy,
  });
  const link = hasAccount ? null : oneTimeLink(deps.config.publicUrl, 'invitation', issued.token);
  return { link, expiresAt: issued.expiresAt };
}

interface InvitationMail {
  email: string;
  /** "Acme IT", or "this Safehold installation" for operators. */
  organisation: string;
  actorLabel: string;
  role: string;
  link: string | null;
  publicUrl: string;
}

function invitationMail({ email, organisation, actorLabel, role, link, publicUrl }: InvitationMail) {
  const invited = `${actorLabel} invited you to join ${organisation} on Safehold as ${role.replace('_', '-')}.\n\n`;
  if (!link) {
    return {
      to: email,
      subject: `You are invited to ${organisation} on Safehold`,
      text:
        invited +
        'This address has a Safehold account already, and an address belongs to one account only, so the ' +
        `invitation cannot be accepted with it. Sign in at ${publicUrl}/sign-in, or ask ${actorLabel} to invite ` +
        'another address.\n',
    };
  }
  return {
    to: email,
    subject: `You are invited to ${organisation} on Safehold`,
    text: `${invited}Create your account with this link (valid for 72 hours, usable once):\n${link}\n`,
    secrets: [link],
  };
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
  await deps.mail.send(
    invitationMail({ email, organisation, actorLabel, role: input.role, link, publicUrl: deps.config.publicUrl }),
  );
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

export interface OwnerInvitation extends InvitationResult {
  /** Mails the link (to the outbox without SMTP) and records the audit entry: call after the commit. */
  deliver(): Promise<void>;
}

/**
 * The owner invitation of a partner organisation (vendor admins, or the owner and admins of the
 * distributor whose child it is): when it is onboarded,
 * or again while nobody has accepted. It replaces the partner's earlier owner invitations. The
 * link is issued on `tx` — e.g. the transaction that creates the partner; the mail goes out on `deliver()`
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
  // The path from the partner up (a distributor's child has its parent on it): policy decides
  // whether the vendor or the distributor may invite this owner.
  const path = await partnerPath(tx, input.partnerId);
  const partnerPathOrSelf = path.length > 0 ? path : [input.partnerId];
  authorizeOwnerInvitation(actor, { kind: 'partner', partnerId: input.partnerId, partnerPath: partnerPathOrSelf });
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
      await deps.mail.send(
        invitationMail({
          email,
          organisation: input.organisation,
          actorLabel,
          role: 'owner',
          link,
          publicUrl: deps.config.publicUrl,
        }),
      );
      await deps.audit.record({
        actor: actorRef(actor, actorLabel),
        // The partner's log, and its distributors' (who may have sent it).
        tenants: ['vendor', ...partnerPathOrSelf.map((id) => `partner:${id}` as const)],
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
  await deps.mail.send(
    invitationMail({
      email,
      organisation: 'the vendor team',
      actorLabel,
      role: input.role,
      link,
      publicUrl: deps.config.publicUrl,
    }),
  );
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
