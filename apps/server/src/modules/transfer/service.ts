// Transfer tokens end to end (PRODUCT.md §2): the customer's side (Reseller Settings: generate,
// revoke, remove the partner, allow partner access) and the partner's side (preview and redeem
// a token, moving the customer to the redeeming partner). Every token failure answers the same
// 400; the audit log records which failure it was. Failures are rate limited per partner user,
// per partner and per IP address; the customer itself is never locked.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.ts';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import { AppError, notFound } from '../../http/errors.ts';
import type { AuditEntryInput, AuditService, AuditTenant } from '../audit/index.ts';
import { authorizedCustomerRow, countLicensesByType } from '../customers/index.ts';
import { endPartnerSessionsOn, partnerManagerEmails, superAdminEmails } from '../identity/index.ts';
import { publishCustomerMoved } from '../integrations/index.ts';
import type { MailService } from '../notifications/index.ts';
import { type Actor, authorize } from '../policy/index.ts';
import { createRateLimiter, type RateLimitCheck, type RateLimiter, type RateLimitRule } from '../rate-limits/index.ts';
import { getCustomer, getPartner, loadPartnerTenant, lockCustomer, setAllowPartnerAccess } from '../tenancy/index.ts';
import {
  claimToken,
  findTokenByHash,
  insertToken,
  liveToken,
  memberIsLicensed,
  revokeOutstandingTokens,
  setManagingPartner,
  type TransferTokenRow,
} from './store.ts';
import { generateTransferToken, hashTransferToken, parseTransferToken, transferTokenHint } from './token-format.ts';

const minute = 60_000;
const dayMs = 24 * 60 * minute;

export const defaultLifetimeDays = 7;
export const maxLifetimeDays = 14;

export const invalidTransferTokenMessage =
  "This transfer token is not valid. Ask the customer's administrator for a new one.";

export interface TransferRateLimits {
  perUser: RateLimitRule;
  perPartner: RateLimitRule;
  perIp: RateLimitRule;
}

/** Failed redemptions or previews allowed (PRODUCT.md §2). */
export const defaultTransferRateLimits: TransferRateLimits = {
  perUser: { name: 'transfer-token:user', limit: 10, windowMs: 15 * minute },
  perPartner: { name: 'transfer-token:partner', limit: 30, windowMs: 60 * minute },
  perIp: { name: 'transfer-token:ip', limit: 20, windowMs: 15 * minute },
};

export interface TransferDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  mail: MailService;
  limiter: RateLimiter;
  limits: TransferRateLimits;
  /** Base of links in emails; a function because `safehold start` may replace the configuration. */
  publicUrl(): string;
  random(size: number): Buffer;
  /** Tells the partners' webhooks (customer.added, customer.removed). */
  customerMoved(event: CustomerMoved): Promise<void>;
}

export interface CustomerMoved {
  type: 'customer.added' | 'customer.removed';
  partnerId: string;
  customerId: string;
  domain: string;
  reason: 'transfer_token' | 'removed_by_customer';
}

export function createTransferDeps(
  ctx: Pick<AppContext, 'audit' | 'clock' | 'config' | 'db' | 'mail' | 'jobs'>,
  limits: TransferRateLimits = defaultTransferRateLimits,
): TransferDeps {
  return {
    customerMoved: async (event) => {
      await publishCustomerMoved(ctx, event);
    },
    db: ctx.db,
    clock: ctx.clock,
    audit: ctx.audit,
    mail: ctx.mail,
    limiter: createRateLimiter({ db: ctx.db, clock: ctx.clock }),
    limits,
    publicUrl: () => ctx.config.publicUrl,
    random: randomBytes,
  };
}

/** Who is asking: the policy actor, and the fields of their audit entries. */
export interface Requester {
  actor: Actor;
  audit: Pick<AuditEntryInput, 'actor' | 'ip' | 'userAgent'>;
  ip: string;
}

export type FailureReason = 'malformed' | 'unknown' | 'expired' | 'revoked' | 'used' | 'rate_limited';

export function invalidTransferToken(): AppError {
  return new AppError('invalid_transfer_token', invalidTransferTokenMessage);
}

// ---------------------------------------------------------------------------------------------
// Customer side: Reseller Settings
// ---------------------------------------------------------------------------------------------

export interface ResellerSettings {
  partner: { id: string; name: string } | null;
  allowPartnerAccess: boolean;
  token: { last4: string; createdAt: string; expiresAt: string } | null;
}

export async function getResellerSettings(
  deps: TransferDeps,
  actor: Actor,
  customerId: string,
): Promise<ResellerSettings> {
  const customer = await authorizedCustomerRow(deps, actor, 'customer.reseller.read', customerId);
  const token = await liveToken(deps.db, customerId, deps.clock.now());
  return {
    partner: customer.partnerId ? await getPartner(deps.db, customer.partnerId) : null,
    allowPartnerAccess: customer.allowPartnerAccess,
    token: token
      ? { last4: token.last4, createdAt: token.createdAt.toISOString(), expiresAt: token.expiresAt.toISOString() }
      : null,
  };
}

export interface GeneratedToken {
  /** The token itself: shown once, never stored. */
  token: string;
  last4: string;
  createdAt: string;
  expiresAt: string;
}

/** A new token for the customer (only a licensed super admin); the previous one is revoked. */
export async function generateToken(
  deps: TransferDeps,
  who: Requester,
  customerId: string,
  lifetimeDays: number = defaultLifetimeDays,
): Promise<GeneratedToken> {
  await authorizedCustomerRow(deps, who.actor, 'customer.transfer_token.manage', customerId);
  if (who.actor.kind !== 'customer' || !(await memberIsLicensed(deps.db, customerId, who.actor.memberId))) {
    throw new AppError(
      'forbidden',
      'Only a licensed super admin can generate a transfer token. Assign yourself a license in the License Manager first.',
    );
  }
  if (!Number.isInteger(lifetimeDays) || lifetimeDays < 1 || lifetimeDays > maxLifetimeDays) {
    throw new AppError('validation_failed', `The lifetime is 1 to ${maxLifetimeDays} days.`, {
      field: 'body.lifetimeDays',
    });
  }
  const memberId = who.actor.memberId;
  const token = generateTransferToken(deps.random);
  const id = randomUUID();
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + lifetimeDays * dayMs);
  const last4 = transferTokenHint(token);
  await deps.db.transaction(async (tx) => {
    // Serialises generation per customer: the one-live-token index then never conflicts.
    await lockCustomer(tx, customerId);
    const replaced = await revokeOutstandingTokens(tx, customerId, now, 'replaced');
    await insertToken(tx, {
      id,
      customerId,
      tokenHash: hashTransferToken(token),
      last4,
      createdByMemberId: memberId,
      createdAt: now,
      expiresAt,
    });
    await deps.audit.record(
      {
        ...who.audit,
        tenants: [`customer:${customerId}`],
        action: 'transfer_token.generate',
        target: customerId,
        result: 'success',
        details: {
          tokenId: id,
          last4,
          lifetimeDays,
          expiresAt: expiresAt.toISOString(),
          replacedTokenIds: replaced.map((row) => row.id),
        },
      },
      tx,
    );
  });
  return { token, last4, createdAt: now.toISOString(), expiresAt: expiresAt.toISOString() };
}

export async function revokeToken(deps: TransferDeps, who: Requester, customerId: string): Promise<void> {
  await authorizedCustomerRow(deps, who.actor, 'customer.transfer_token.manage', customerId);
  await deps.db.transaction(async (tx) => {
    const revoked = await revokeOutstandingTokens(tx, customerId, deps.clock.now(), 'revoked');
    if (revoked.length === 0) return;
    await deps.audit.record(
      {
        ...who.audit,
        tenants: [`customer:${customerId}`],
        action: 'transfer_token.revoke',
        target: customerId,
        result: 'success',
        details: { tokenIds: revoked.map((row) => row.id), last4: revoked.map((row) => row.last4) },
      },
      tx,
    );
  });
}

/** "Remove partner": the partner's access ends with this transaction (every request re-reads it). */
export async function removePartner(deps: TransferDeps, who: Requester, customerId: string): Promise<void> {
  const customer = await authorizedCustomerRow(deps, who.actor, 'customer.partner.remove', customerId);
  const removed = await deps.db.transaction(async (tx) => {
    const locked = await lockCustomer(tx, customerId);
    if (!locked?.partnerId) return null;
    const partner = await getPartner(tx, locked.partnerId);
    await setManagingPartner(tx, customerId, null, deps.clock.now());
    await deps.audit.record(
      {
        ...who.audit,
        tenants: [`customer:${customerId}`, `partner:${locked.partnerId}`],
        action: 'customer.partner.remove',
        target: customer.domain,
        result: 'success',
        details: { partnerId: locked.partnerId, partnerName: partner?.name ?? null },
      },
      tx,
    );
    return { id: locked.partnerId, name: partner?.name ?? 'your partner' };
  });
  if (!removed) return;
  await deps.customerMoved({
    type: 'customer.removed',
    partnerId: removed.id,
    customerId,
    domain: customer.domain,
    reason: 'removed_by_customer',
  });
  for (const to of await superAdminEmails(deps.db, customerId)) {
    await deps.mail.send({
      to,
      subject: `${removed.name} no longer manages ${customer.domain} in Safehold`,
      text:
        `${removed.name} was removed as the partner of ${customer.domain}. Their access to your Safehold ` +
        `console ended at once. Your backups continue as before.\n\nReseller Settings: ${deps.publicUrl()}/customer/settings\n`,
    });
  }
  for (const to of await partnerManagerEmails(deps.db, removed.id)) {
    await deps.mail.send({
      to,
      subject: `${customer.domain} removed ${removed.name} as its partner`,
      text:
        `The administrator of ${customer.domain} removed ${removed.name} as its partner in Safehold. ` +
        `${customer.domain} no longer appears in your Reseller Console and you no longer have access to it.\n`,
    });
  }
}

export async function setPartnerAccess(
  deps: TransferDeps,
  who: Requester,
  customerId: string,
  allowed: boolean,
): Promise<{ allowPartnerAccess: boolean }> {
  const customer = await authorizedCustomerRow(deps, who.actor, 'customer.partner_access.manage', customerId);
  if (customer.allowPartnerAccess !== allowed) {
    await deps.db.transaction(async (tx) => {
      await setAllowPartnerAccess(tx, customerId, allowed);
      // Off forbids it at once: live partner sessions in this console end now (issue 18 §2).
      const partnerSessionsEnded = allowed ? 0 : await endPartnerSessionsOn(tx, customerId);
      const tenants: AuditTenant[] = [`customer:${customerId}`];
      if (customer.partnerId) tenants.push(`partner:${customer.partnerId}`);
      await deps.audit.record(
        {
          ...who.audit,
          tenants,
          action: 'customer.partner_access.set',
          target: customer.domain,
          result: 'success',
          details: { allowed, partnerId: customer.partnerId, partnerSessionsEnded },
        },
        tx,
      );
    });
  }
  return { allowPartnerAccess: allowed };
}

// ---------------------------------------------------------------------------------------------
// Partner side: preview and redeem
// ---------------------------------------------------------------------------------------------

export interface TransferPreview {
  customerId: string;
  domain: string;
  name: string;
  status: 'trial' | 'active' | 'suspended' | 'cancelled';
  trialEndsAt: string | null;
  users: number;
  licenses: { standard: number; archived: number; assigned: number };
  seatsPurchased: number;
  currentPartner: { name: string } | null;
}

type Operation = 'preview' | 'redeem';

/**
 * The checks before a token is even looked at: the partner exists and is the actor's (404),
 * the role is owner/admin (403), and the actor is not over a failure limit (429).
 */
async function admitAttempt(
  deps: TransferDeps,
  who: Requester,
  partnerId: string,
  operation: Operation,
): Promise<{ checks: RateLimitCheck[]; userId: string | null; actingPartnerId: string }> {
  const tenant = await loadPartnerTenant(deps.db, partnerId);
  if (!tenant) throw notFound('The partner');
  authorize(who.actor, 'partner.customers.add', tenant);
  const actor = who.actor;
  // A person of the partner, or its API key with the manage_customers scope (the policy decided
  // which); the key is limited as one user of its own.
  if (actor.kind !== 'partner' && actor.kind !== 'api_key')
    throw new AppError('forbidden', 'Your role does not allow this.');
  const actingPartnerId = actor.partnerId;
  const userId = actor.kind === 'partner' ? actor.userId : null;
  const checks: RateLimitCheck[] = [
    { rule: deps.limits.perUser, subject: actor.kind === 'partner' ? actor.userId : `api-key:${actor.keyId}` },
    { rule: deps.limits.perPartner, subject: actingPartnerId },
    { rule: deps.limits.perIp, subject: who.ip },
  ];
  try {
    await deps.limiter.ensureAllowed(checks);
  } catch (error) {
    await recordFailure(deps, who, partnerId, operation, 'rate_limited', null);
    throw error;
  }
  return { checks, userId, actingPartnerId };
}

async function recordFailure(
  deps: TransferDeps,
  who: Requester,
  partnerId: string,
  operation: Operation,
  reason: FailureReason,
  token: TransferTokenRow | null,
): Promise<void> {
  const tenants: AuditTenant[] = [`partner:${partnerId}`];
  if ((who.actor.kind === 'partner' || who.actor.kind === 'api_key') && who.actor.partnerId !== partnerId)
    tenants.push(`partner:${who.actor.partnerId}`);
  // The customer's log shows attempts with its own (used, revoked, expired) tokens.
  if (token) tenants.push(`customer:${token.customerId}`);
  await deps.audit.record({
    ...who.audit,
    tenants,
    action: `transfer_token.${operation}`,
    target: token?.customerId ?? null,
    result: 'failure',
    details: { reason, ...(token ? { tokenId: token.id, last4: token.last4 } : {}) },
  });
}

/** Records a token failure, counts it against the limits (429 once over), then answers the uniform 400. */
async function fail(
  deps: TransferDeps,
  who: Requester,
  partnerId: string,
  operation: Operation,
  checks: RateLimitCheck[],
  reason: FailureReason,
  token: TransferTokenRow | null,
): Promise<never> {
  await recordFailure(deps, who, partnerId, operation, reason, token);
  await deps.limiter.consume(checks);
  throw invalidTransferToken();
}

/** Why a token that could not be used fails, in the order a person would find it. */
function failureOf(token: TransferTokenRow | null, now: Date): FailureReason | null {
  if (!token) return 'unknown';
  if (token.usedAt) return 'used';
  if (token.revokedAt) return 'revoked';
  if (token.expiresAt <= now) return 'expired';
  return null;
}

/** What the customer behind a token is, without using the token. */
export async function previewTransfer(
  deps: TransferDeps,
  who: Requester,
  partnerId: string,
  input: string,
): Promise<TransferPreview> {
  const { checks } = await admitAttempt(deps, who, partnerId, 'preview');
  const canonical = parseTransferToken(input);
  if (!canonical) return fail(deps, who, partnerId, 'preview', checks, 'malformed', null);
  const token = await findTokenByHash(deps.db, hashTransferToken(canonical));
  const reason = failureOf(token, deps.clock.now());
  if (reason || !token) return fail(deps, who, partnerId, 'preview', checks, reason ?? 'unknown', token);
  const customer = await getCustomer(deps.db, token.customerId);
  if (!customer) return fail(deps, who, partnerId, 'preview', checks, 'unknown', null);
  const counts = await countLicensesByType(deps.db, customer.id);
  const current = customer.partnerId ? await getPartner(deps.db, customer.partnerId) : null;
  await deps.audit.record({
    ...who.audit,
    tenants: [`partner:${partnerId}`, `customer:${customer.id}`],
    action: 'transfer_token.preview',
    target: customer.domain,
    result: 'success',
    details: { tokenId: token.id, last4: token.last4 },
  });
  return {
    customerId: customer.id,
    domain: customer.domain,
    name: customer.name,
    status: customer.status,
    trialEndsAt: customer.trialEndsAt?.toISOString() ?? null,
    users: counts.users,
    licenses: { standard: counts.standard, archived: counts.archived, assigned: counts.standard + counts.archived },
    seatsPurchased: customer.seatsPurchased,
    currentPartner: current ? { name: current.name } : null,
  };
}

interface Move {
  customerId: string;
  domain: string;
  from: { id: string; name: string } | null;
  to: { id: string; name: string };
  /** False when the redeeming partner already managed the customer (the token is used all the same). */
  moved: boolean;
}

/**
 * Redeems a token: in one transaction the token is claimed (only while unused, unrevoked and
 * unexpired) and the customer moves to this partner. The previous partner's access ends with
 * the commit. Both partners and the customer's super admins are told by email.
 */
export async function redeemTransfer(
  deps: TransferDeps,
  who: Requester,
  partnerId: string,
  input: string,
): Promise<{ customerId: string; domain: string }> {
  const { checks, userId } = await admitAttempt(deps, who, partnerId, 'redeem');
  const canonical = parseTransferToken(input);
  if (!canonical) return fail(deps, who, partnerId, 'redeem', checks, 'malformed', null);
  const tokenHash = hashTransferToken(canonical);
  const now = deps.clock.now();
  const move = await deps.db.transaction(async (tx): Promise<Move | null> => {
    const token = await claimToken(tx, tokenHash, now, { partnerId, userId });
    if (!token) return null;
    const customer = await lockCustomer(tx, token.customerId);
    const to = await getPartner(tx, partnerId);
    if (!customer || !to) throw notFound('The customer');
    const from = customer.partnerId ? await getPartner(tx, customer.partnerId) : null;
    const moved = customer.partnerId !== partnerId;
    if (moved) await setManagingPartner(tx, customer.id, partnerId, now);
    await deps.audit.record(
      {
        ...who.audit,
        tenants: [`partner:${partnerId}`, `customer:${customer.id}`],
        action: 'customer.transfer',
        target: customer.domain,
        result: 'success',
        details: {
          tokenId: token.id,
          last4: token.last4,
          fromPartnerId: from?.id ?? null,
          fromPartnerName: from?.name ?? null,
          toPartnerId: to.id,
          toPartnerName: to.name,
          alreadyManaged: !moved,
        },
      },
      tx,
    );
    if (moved && from) {
      // The previous partner's own entry: what happened to its customer, without the new partner's staff.
      await deps.audit.record(
        {
          actor: { kind: 'system', label: 'transfer token' },
          tenants: [`partner:${from.id}`],
          action: 'customer.transfer_out',
          target: customer.domain,
          result: 'success',
          details: { customerId: customer.id, tokenId: token.id, last4: token.last4 },
        },
        tx,
      );
    }
    return { customerId: customer.id, domain: customer.domain, from, to, moved };
  });
  if (!move) {
    const token = await findTokenByHash(deps.db, tokenHash);
    return fail(deps, who, partnerId, 'redeem', checks, failureOf(token, now) ?? 'used', token);
  }
  if (move.moved) await notifyMove(deps, move);
  return { customerId: move.customerId, domain: move.domain };
}

async function notifyMove(deps: TransferDeps, move: Move): Promise<void> {
  const { domain } = move;
  const moved = { customerId: move.customerId, domain, reason: 'transfer_token' } as const;
  await deps.customerMoved({ type: 'customer.added', partnerId: move.to.id, ...moved });
  if (move.from) await deps.customerMoved({ type: 'customer.removed', partnerId: move.from.id, ...moved });
  for (const to of await superAdminEmails(deps.db, move.customerId)) {
    await deps.mail.send({
      to,
      subject: `${domain} is now managed by ${move.to.name} in Safehold`,
      text:
        `${move.to.name} added ${domain} to its Reseller Console with the transfer token your administrator created` +
        (move.from ? `, replacing ${move.from.name} as your partner. ${move.from.name} no longer has access.` : '.') +
        `\n\nIf you did not expect this, remove the partner in Reseller Settings: ${deps.publicUrl()}/customer/settings\n`,
    });
  }
  for (const to of await partnerManagerEmails(deps.db, move.to.id)) {
    await deps.mail.send({
      to,
      subject: `${domain} was added to your Reseller Console`,
      text: `${domain} is now managed by ${move.to.name}: ${deps.publicUrl()}/partner/customers/${move.customerId}\n`,
    });
  }
  if (move.from) {
    for (const to of await partnerManagerEmails(deps.db, move.from.id)) {
      await deps.mail.send({
        to,
        subject: `${domain} is no longer managed by ${move.from.name}`,
        text:
          `The administrator of ${domain} transferred it to another partner with a transfer token. ` +
          `${domain} no longer appears in your Reseller Console and you no longer have access to it.\n`,
      });
    }
  }
}
