// A customer's API tokens (Settings › API, `safehold api-token`): created with a name, the token
// shown once, only its hash and last 4 characters kept (secret-token.ts, as partner API keys);
// at most 5 live per tenant; revocable; "last used" shown. `authenticateApiToken` turns the
// domain and token of an HTTP Basic header into the policy's api_token actor.
import { randomUUID } from 'node:crypto';
import { and, desc, eq, isNull, lt, or } from 'drizzle-orm';
import type { AuditEntryInput } from '../../audit-entry.ts';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/database.ts';
import { AppError, notFound } from '../../http/errors.ts';
import { customerApiTokenPrefix, generateSecretToken, hashSecretToken, secretTokenLast4 } from '../../secret-token.ts';
import type { Actor } from '../policy/index.ts';
import {
  authorizeCustomer,
  findCustomerByDomain,
  getCustomer,
  inServiceStatuses,
  lockCustomer,
} from '../tenancy/index.ts';
import { customerApiTokens } from './tables.ts';

export const apiTokenPrefix = customerApiTokenPrefix;
export const maxLiveApiTokens = 5;
export const maxApiTokenNameLength = 80;
/** "Last used" is written at most once a minute per token: a busy script does not write per request. */
const lastUsedResolutionMs = 60_000;

export interface ApiTokenDeps {
  db: Db;
  clock: Clock;
  audit: { record(entry: AuditEntryInput, tx?: Db): Promise<unknown> };
}

/** Who acts: the policy actor and the audit fields of the request (or the command line). */
export interface ApiTokenActor {
  actor: Actor;
  audit: Pick<AuditEntryInput, 'actor' | 'ip' | 'userAgent' | 'onBehalfOf'>;
}

export interface ApiTokenView {
  id: string;
  name: string;
  last4: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

function toView(row: typeof customerApiTokens.$inferSelect): ApiTokenView {
  return {
    id: row.id,
    name: row.name,
    last4: row.last4,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

/** A token's name: trimmed, 1 to 80 characters; a 400 naming the field otherwise. */
export function parseTokenName(input: unknown): string {
  const name = typeof input === 'string' ? input.trim() : '';
  if (name === '' || name.length > maxApiTokenNameLength) {
    throw new AppError(
      'validation_failed',
      `name: give the token a name of 1 to ${maxApiTokenNameLength} characters.`,
      {
        field: 'name',
      },
    );
  }
  return name;
}

/** Every token of the tenant, live and revoked, newest first. */
export async function listApiTokens(deps: ApiTokenDeps, actor: Actor, customerId: string): Promise<ApiTokenView[]> {
  await authorizeCustomer(deps.db, actor, 'customer.api_tokens.manage', customerId);
  const rows = await deps.db
    .select()
    .from(customerApiTokens)
    .where(eq(customerApiTokens.customerId, customerId))
    .orderBy(desc(customerApiTokens.createdAt), customerApiTokens.id);
  return rows.map(toView);
}

/**
 * Creates a token; the token is in the answer and nowhere else, ever. Refused (400, nothing
 * written) when the name is taken by a live token or the tenant already has 5 live tokens; the
 * customer row is locked meanwhile, so two concurrent creations cannot make a sixth.
 */
export async function createApiToken(
  deps: ApiTokenDeps,
  who: ApiTokenActor,
  customerId: string,
  input: { name: unknown },
): Promise<{ apiToken: ApiTokenView; token: string }> {
  await authorizeCustomer(deps.db, who.actor, 'customer.api_tokens.manage', customerId);
  const name = parseTokenName(input.name);
  const token = generateSecretToken(apiTokenPrefix);
  const row = await deps.db.transaction(async (tx) => {
    if (!(await lockCustomer(tx, customerId))) throw notFound('The customer');
    const live = await tx
      .select({ name: customerApiTokens.name })
      .from(customerApiTokens)
      .where(and(eq(customerApiTokens.customerId, customerId), isNull(customerApiTokens.revokedAt)));
    if (live.some((existing) => existing.name === name)) {
      throw new AppError('validation_failed', `name: a live API token is already called "${name}".`, { field: 'name' });
    }
    if (live.length >= maxLiveApiTokens) {
      throw new AppError(
        'bad_request',
        `A tenant has at most ${maxLiveApiTokens} live API tokens: revoke one before generating another.`,
      );
    }
    const [inserted] = await tx
      .insert(customerApiTokens)
      .values({
        id: randomUUID(),
        customerId,
        name,
        tokenHash: hashSecretToken(token),
        last4: secretTokenLast4(token),
        createdBy: who.audit.actor.label,
        createdAt: deps.clock.now(),
      })
      .returning();
    if (!inserted) throw new Error('insert returned no row');
    await deps.audit.record(
      {
        ...who.audit,
        tenants: [`customer:${customerId}`],
        action: 'api_token.create',
        target: inserted.id,
        result: 'success',
        details: { name, last4: inserted.last4 },
      },
      tx,
    );
    return inserted;
  });
  return { apiToken: toView(row), token };
}

/** Revokes a token (by id, or by the name of a live one); revoking a revoked token changes nothing. */
export async function revokeApiToken(
  deps: ApiTokenDeps,
  who: ApiTokenActor,
  customerId: string,
  which: { id: string } | { name: string },
): Promise<ApiTokenView> {
  await authorizeCustomer(deps.db, who.actor, 'customer.api_tokens.manage', customerId);
  const [existing] = await deps.db
    .select()
    .from(customerApiTokens)
    .where(
      and(
        eq(customerApiTokens.customerId, customerId),
        'id' in which
          ? eq(customerApiTokens.id, which.id)
          : and(eq(customerApiTokens.name, which.name), isNull(customerApiTokens.revokedAt)),
      ),
    );
  if (!existing) throw notFound('id' in which ? 'The API token' : `A live API token called "${which.name}"`);
  if (existing.revokedAt) return toView(existing);
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .update(customerApiTokens)
      .set({ revokedAt: deps.clock.now() })
      .where(and(eq(customerApiTokens.id, existing.id), isNull(customerApiTokens.revokedAt)))
      .returning();
    if (!row) return toView(existing);
    await deps.audit.record(
      {
        ...who.audit,
        tenants: [`customer:${customerId}`],
        action: 'api_token.revoke',
        target: row.id,
        result: 'success',
        details: { name: row.name, last4: row.last4 },
      },
      tx,
    );
    return toView(row);
  });
}

export interface AuthenticatedToken {
  actor: Extract<Actor, { kind: 'api_token' }>;
  /** How audit entries name the caller: `API token <name>`. */
  label: string;
}

/**
 * The token a domain and secret name, when it is live, belongs to that domain's tenant and the
 * tenant is in service; null otherwise — an unknown token, another domain's, a revoked one, an
 * unknown domain all answer the same. Records when it was last used.
 */
export async function authenticateApiToken(
  deps: Pick<ApiTokenDeps, 'db' | 'clock'>,
  credentials: { domain: string; token: string },
): Promise<AuthenticatedToken | null> {
  if (!wellFormedToken(credentials.token)) return null;
  const customer = await findCustomerByDomain(deps.db, credentials.domain.trim().toLowerCase());
  if (!customer || !(inServiceStatuses as readonly string[]).includes(customer.status)) return null;
  return liveToken(deps, credentials.token, customer.id);
}

/**
 * The token alone, as `Authorization: Bearer sh_tok_…` sends it on the REST API: live, and its
 * tenant in service; null otherwise, whatever the reason. Records when it was last used.
 */
export async function authenticateBearerApiToken(
  deps: Pick<ApiTokenDeps, 'db' | 'clock'>,
  token: string,
): Promise<AuthenticatedToken | null> {
  if (!wellFormedToken(token)) return null;
  const [row] = await deps.db
    .select({ customerId: customerApiTokens.customerId })
    .from(customerApiTokens)
    .where(and(eq(customerApiTokens.tokenHash, hashSecretToken(token)), isNull(customerApiTokens.revokedAt)));
  if (!row) return null;
  const customer = await getCustomer(deps.db, row.customerId);
  if (!customer || !(inServiceStatuses as readonly string[]).includes(customer.status)) return null;
  return liveToken(deps, token, customer.id);
}

function wellFormedToken(token: string): boolean {
  return token.startsWith(apiTokenPrefix) && token.length <= 200;
}

/** The live token of this tenant with this secret, its "last used" brought up to date. */
async function liveToken(
  deps: Pick<ApiTokenDeps, 'db' | 'clock'>,
  token: string,
  customerId: string,
): Promise<AuthenticatedToken | null> {
  const [row] = await deps.db
    .select({ id: customerApiTokens.id, name: customerApiTokens.name })
    .from(customerApiTokens)
    .where(
      and(
        eq(customerApiTokens.tokenHash, hashSecretToken(token)),
        eq(customerApiTokens.customerId, customerId),
        isNull(customerApiTokens.revokedAt),
      ),
    );
  if (!row) return null;
  const now = deps.clock.now();
  await deps.db
    .update(customerApiTokens)
    .set({ lastUsedAt: now })
    .where(
      and(
        eq(customerApiTokens.id, row.id),
        or(
          isNull(customerApiTokens.lastUsedAt),
          lt(customerApiTokens.lastUsedAt, new Date(now.getTime() - lastUsedResolutionMs)),
        ),
      ),
    );
  return {
    actor: { kind: 'api_token', tokenId: row.id, customerId },
    label: `API token ${row.name}`,
  };
}
