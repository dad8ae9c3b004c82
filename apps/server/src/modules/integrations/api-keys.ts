// A partner's API keys (Integrations): created with a name and scopes, the token shown once,
// only its SHA-256 kept; revocable; `authenticateApiKey` turns a bearer token into the policy's
// api_key actor. The token is made, hashed and shown as every secret token is (secret-token.ts).
import { randomUUID } from 'node:crypto';
import { and, desc, eq, isNull, lt, or } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import { notFound } from '../../http/errors.ts';
import { generateSecretToken, hashSecretToken, secretTokenLast4 } from '../../secret-token.ts';
import { getStaffUser } from '../identity/index.ts';
import { type Actor, type ApiKeyScope, authorize } from '../policy/index.ts';
import { loadPartnerTenant, partnerColumn } from '../tenancy/index.ts';
import type { AuditActor } from './audit-actor.ts';
import type { IntegrationsDeps } from './deps.ts';
import { apiKeys } from './tables.ts';

export const apiKeyPrefix = 'sh_key_';
/** "Last used" is written at most once a minute per key: a busy integration does not write per request. */
const lastUsedResolutionMs = 60_000;

export interface ApiKeyView {
  id: string;
  name: string;
  scopes: ApiKeyScope[];
  last4: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** The organisation's integrations, after the policy allows the actor to manage them. */
export async function authorizeIntegrations(db: Db, actor: Actor, partnerId: string): Promise<void> {
  const tenant = await loadPartnerTenant(db, partnerId);
  if (!tenant) throw notFound('The partner');
  authorize(actor, 'partner.integrations.manage', tenant);
}

function toView(row: typeof apiKeys.$inferSelect): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes as ApiKeyScope[],
    last4: row.last4,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

export async function listApiKeys(deps: IntegrationsDeps, actor: Actor, partnerId: string): Promise<ApiKeyView[]> {
  await authorizeIntegrations(deps.db, actor, partnerId);
  const rows = await deps.db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.partnerId, partnerId))
    .orderBy(desc(apiKeys.createdAt), apiKeys.id);
  return rows.map(toView);
}

/** Creates a key; the token is in the answer and nowhere else, ever. */
export async function createApiKey(
  deps: IntegrationsDeps,
  who: AuditActor,
  partnerId: string,
  input: { name: string; scopes: ApiKeyScope[] },
): Promise<{ key: ApiKeyView; token: string }> {
  await authorizeIntegrations(deps.db, who.actor, partnerId);
  const token = generateSecretToken(apiKeyPrefix);
  const [row] = await deps.db
    .insert(apiKeys)
    .values({
      id: randomUUID(),
      partnerId,
      name: input.name,
      scopes: [...new Set(input.scopes)],
      tokenHash: hashSecretToken(token),
      last4: secretTokenLast4(token),
      createdByUserId: who.actor.kind === 'partner' ? who.actor.userId : null,
      createdAt: deps.clock.now(),
    })
    .returning();
  if (!row) throw new Error('insert returned no row');
  await deps.audit.record({
    ...who.audit,
    tenants: [`partner:${partnerId}`],
    action: 'api_key.create',
    target: row.id,
    result: 'success',
    details: { name: row.name, scopes: row.scopes, last4: row.last4 },
  });
  return { key: toView(row), token };
}

export async function revokeApiKey(
  deps: IntegrationsDeps,
  who: AuditActor,
  partnerId: string,
  keyId: string,
): Promise<ApiKeyView> {
  await authorizeIntegrations(deps.db, who.actor, partnerId);
  const [existing] = await deps.db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.partnerId, partnerId)));
  if (!existing) throw notFound('The API key');
  if (existing.revokedAt) return toView(existing);
  const [row] = await deps.db
    .update(apiKeys)
    .set({ revokedAt: deps.clock.now() })
    .where(eq(apiKeys.id, keyId))
    .returning();
  if (!row) throw notFound('The API key');
  await deps.audit.record({
    ...who.audit,
    tenants: [`partner:${partnerId}`],
    action: 'api_key.revoke',
    target: row.id,
    result: 'success',
    details: { name: row.name, last4: row.last4 },
  });
  return toView(row);
}

export interface AuthenticatedKey {
  actor: Extract<Actor, { kind: 'api_key' }>;
  label: string;
}

/**
 * The key a bearer token names, when it is live and its partner active; null otherwise (unknown,
 * revoked, or the partner suspended — all answer the same). Records when it was last used.
 */
export async function authenticateApiKey(
  deps: Pick<IntegrationsDeps, 'db' | 'clock'>,
  token: string,
): Promise<AuthenticatedKey | null> {
  if (!token.startsWith(apiKeyPrefix) || token.length > 200) return null;
  const [row] = await deps.db
    .select({
      id: apiKeys.id,
      partnerId: apiKeys.partnerId,
      name: apiKeys.name,
      scopes: apiKeys.scopes,
      last4: apiKeys.last4,
      createdByUserId: apiKeys.createdByUserId,
      partnerStatus: partnerColumn(apiKeys.partnerId, 'status'),
    })
    .from(apiKeys)
    .where(and(eq(apiKeys.tokenHash, hashSecretToken(token)), isNull(apiKeys.revokedAt)));
  if (row?.partnerStatus !== 'active') return null;
  const now = deps.clock.now();
  await deps.db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(
      and(
        eq(apiKeys.id, row.id),
        or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, new Date(now.getTime() - lastUsedResolutionMs))),
      ),
    );
  // The audit log names the key and the person who created it (the one answerable for it).
  const creator = row.createdByUserId ? await getStaffUser(deps.db, row.createdByUserId) : null;
  return {
    actor: { kind: 'api_key', keyId: row.id, partnerId: row.partnerId, scopes: row.scopes as ApiKeyScope[] },
    label: `API key "${row.name}" (…${row.last4})${creator ? `, created by ${creator.user.email}` : ''}`,
  };
}
