// Opening and accepting one-time links: the first-operator setup link printed by
// `safehold start`, `safehold vendor create-operator` links and invitations. Accepting one
// creates the account with its password and a session that must enrol a second factor.
import { randomUUID } from 'node:crypto';
import { AppError } from '../../http/errors.ts';
import type { IdentityDeps } from './deps.ts';
import { hashToken } from './one-time-tokens.ts';
import { assertPasswordAllowed, hashPassword } from './passwords.ts';
import { createSession, type RequestMeta } from './sessions.ts';
import {
  claimToken,
  findLiveToken,
  findStaffUserByEmail,
  insertStaffUser,
  type OneTimeTokenRow,
  partnerName,
} from './store.ts';

export function invalidLink(): AppError {
  return new AppError('invalid_link', 'This link is not valid any more. Ask for a new one.');
}

export interface LinkInfo {
  purpose: 'operator_setup' | 'invitation' | 'password_reset';
  email: string;
  organisation: string | null;
  needsEmail: boolean;
}

async function liveToken(deps: IdentityDeps, token: string, meta: RequestMeta): Promise<OneTimeTokenRow> {
  await deps.limiter.consume([{ rule: deps.limits.linkPerIp, subject: meta.ip }]);
  const row = await findLiveToken(deps.db, hashToken(token), deps.clock.now());
  if (!row) throw invalidLink();
  return row;
}

export async function inspectLink(deps: IdentityDeps, token: string, meta: RequestMeta): Promise<LinkInfo> {
  const row = await liveToken(deps, token, meta);
  return {
    purpose: row.purpose,
    email: row.email,
    organisation: row.partnerId ? await partnerName(deps.db, row.partnerId) : null,
    needsEmail: row.email === '',
  };
}

const staffRoles = ['admin', 'support', 'owner', 'technician', 'read_only', 'billing'] as const;
type StaffRole = (typeof staffRoles)[number];

export async function acceptLink(
  deps: IdentityDeps,
  input: { token: string; password: string; email?: string | undefined; name?: string | undefined },
  meta: RequestMeta,
): Promise<{ sessionId: string; userId: string }> {
  const preview = await liveToken(deps, input.token, meta);
  if (preview.purpose === 'password_reset') throw invalidLink();
  const email = (preview.email || input.email || '').trim().toLowerCase();
  if (!email) {
    throw new AppError('validation_failed', 'body.email: Enter the email address for the new account.', {
      field: 'body.email',
    });
  }
  assertPasswordAllowed(input.password, email);
  if (await findStaffUserByEmail(deps.db, email)) {
    throw new AppError('conflict', 'An account with this email address exists already. Sign in instead.');
  }
  const role = (staffRoles as readonly string[]).includes(preview.role ?? '') ? (preview.role as StaffRole) : 'admin';
  const passwordHash = await hashPassword(input.password);
  const userId = randomUUID();
  const now = deps.clock.now();

  const create = deps.db.transaction(async (tx) => {
    // Claimed in the same transaction that creates the account: used once, even under races.
    const token = await claimToken(tx, hashToken(input.token), ['operator_setup', 'invitation'], now);
    if (!token) throw invalidLink();
    const orgKind = token.partnerId ? 'partner' : 'vendor';
    await insertStaffUser(tx, {
      id: userId,
      email,
      name: input.name?.trim() ?? '',
      orgKind,
      partnerId: token.partnerId,
      role,
      passwordHash,
      createdAt: now,
    });
    await deps.audit.record(
      {
        actor: { kind: 'staff', id: userId, label: email },
        tenants: token.partnerId ? [`partner:${token.partnerId}`] : ['vendor'],
        action: token.purpose === 'invitation' ? 'auth.invitation.accept' : 'operator.setup_link.accept',
        target: email,
        ...meta,
        result: 'success',
        details: { role, invitedBy: token.createdBy },
      },
      tx,
    );
    return createSession(tx, deps.clock, { kind: 'staff', staffUserId: userId }, 'enrol_second_factor', meta);
  });
  let sessionId: string;
  try {
    sessionId = await create;
  } catch (error) {
    // Two links for one address accepted at the same moment: the unique email index decides.
    if (isUniqueViolation(error)) {
      throw new AppError('conflict', 'An account with this email address exists already. Sign in instead.');
    }
    throw error;
  }
  return { sessionId, userId };
}

function isUniqueViolation(error: unknown): boolean {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if ((current as { code?: unknown }).code === '23505') return true;
  }
  return false;
}
