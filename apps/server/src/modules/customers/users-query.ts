// The License Manager's user list: server-side search (email or name), filters (org unit with
// its sub-units, license, admin, suspended, deleted), paging by limit+offset or by cursor, and
// the total count. Ordered by email like the (customer_id, lower(email), id) index, so a page
// of a 10,000-user tenant is an index range scan.
import { and, asc, count, eq, isNotNull, isNull, or, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { AppError } from '../../http/errors.ts';
import type { Actor } from '../policy/index.ts';
import type { CustomersDeps } from './deps.ts';
import { authorizedCustomerRow } from './licensing.ts';
import type { DirectoryUserRow } from './store.ts';
import { directoryOrgUnits, directoryUsers } from './tables.ts';

const booleanParam = z.enum(['true', 'false']).transform((value) => value === 'true');

export const usersQuerySchema = z.strictObject({
  q: z.string().trim().max(200).optional(),
  orgUnit: z.string().trim().startsWith('/', 'must be an org unit path such as /Sales').max(1000).optional(),
  license: z.enum(['standard', 'archived', 'none', 'licensed']).optional(),
  admin: booleanParam.optional(),
  suspended: booleanParam.optional(),
  deleted: booleanParam.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  /** From a previous page's nextCursor; replaces offset. */
  cursor: z.string().max(2000).optional(),
});
export type UsersQuery = z.infer<typeof usersQuerySchema>;

export const directoryUserView = z.object({
  id: z.string(),
  googleId: z.string(),
  email: z.string(),
  name: z.string(),
  isAdmin: z.boolean(),
  suspended: z.boolean(),
  archived: z.boolean(),
  deleted: z.boolean(),
  deletedAt: z.string().nullable(),
  orgUnitPath: z.string(),
  license: z.enum(['standard', 'archived', 'none']),
  licensedAt: z.string().nullable(),
  /** When an unlicensed user's backups will be purged (60 days after the license was removed). */
  purgeAfter: z.string().nullable(),
  purgedAt: z.string().nullable(),
  /** On: none of the user's backups are pruned (retention age limits, the 60-day purge). */
  legalHold: z.boolean(),
  lastLoginAt: z.string().nullable(),
});
export type DirectoryUserView = z.infer<typeof directoryUserView>;

export interface UsersPage {
  users: DirectoryUserView[];
  total: number;
  limit: number;
  offset: number | null;
  nextCursor: string | null;
}

export function toUserView(row: DirectoryUserRow): DirectoryUserView {
  return {
    id: row.id,
    googleId: row.googleId,
    email: row.primaryEmail,
    name: row.fullName,
    isAdmin: row.isAdmin,
    suspended: row.suspended,
    archived: row.archived,
    deleted: row.deletedAt !== null,
    deletedAt: row.deletedAt?.toISOString() ?? null,
    orgUnitPath: row.orgUnitPath,
    license: row.license ?? 'none',
    licensedAt: row.licensedAt?.toISOString() ?? null,
    purgeAfter: row.purgeAfter?.toISOString() ?? null,
    purgedAt: row.purgedAt?.toISOString() ?? null,
    legalHold: row.legalHold,
    lastLoginAt: row.lastLoginAt?.toISOString() ?? null,
  };
}

function encodeCursor(row: DirectoryUserRow): string {
  return Buffer.from(JSON.stringify([row.primaryEmail.toLowerCase(), row.id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    const parsed = z.tuple([z.string(), z.uuid()]).parse(value);
    return parsed;
  } catch {
    throw new AppError('validation_failed', 'querystring.cursor: not a cursor this server gave out', {
      field: 'querystring.cursor',
    });
  }
}

const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (char) => `\\${char}`);

export async function listDirectoryUsers(
  deps: CustomersDeps,
  actor: Actor,
  customerId: string,
  query: UsersQuery,
): Promise<UsersPage> {
  await authorizedCustomerRow(deps, actor, 'customer.read', customerId);
  const email = sql`lower(${directoryUsers.primaryEmail})`;
  const conditions: (SQL | undefined)[] = [eq(directoryUsers.customerId, customerId)];
  if (query.q) {
    const pattern = `%${escapeLike(query.q.toLowerCase())}%`;
    conditions.push(or(sql`${email} like ${pattern}`, sql`lower(${directoryUsers.fullName}) like ${pattern}`));
  }
  if (query.orgUnit) {
    const path = query.orgUnit.replace(/\/+$/, '') || '/';
    if (path !== '/') {
      conditions.push(
        or(eq(directoryUsers.orgUnitPath, path), sql`${directoryUsers.orgUnitPath} like ${`${escapeLike(path)}/%`}`),
      );
    }
  }
  if (query.license === 'none') conditions.push(isNull(directoryUsers.license));
  else if (query.license === 'licensed') conditions.push(isNotNull(directoryUsers.license));
  else if (query.license) conditions.push(eq(directoryUsers.license, query.license));
  if (query.admin !== undefined) conditions.push(eq(directoryUsers.isAdmin, query.admin));
  if (query.suspended !== undefined) conditions.push(eq(directoryUsers.suspended, query.suspended));
  if (query.deleted !== undefined)
    conditions.push(query.deleted ? isNotNull(directoryUsers.deletedAt) : isNull(directoryUsers.deletedAt));
  const where = and(...conditions);
  const [totalRow] = await deps.db.select({ n: count() }).from(directoryUsers).where(where);

  const after = query.cursor ? decodeCursor(query.cursor) : null;
  const pageWhere = after
    ? and(where, sql`(${email}, ${directoryUsers.id}) > (${after[0]}, ${after[1]}::uuid)`)
    : where;
  const rows = await deps.db
    .select()
    .from(directoryUsers)
    .where(pageWhere)
    .orderBy(asc(email), asc(directoryUsers.id))
    .limit(query.limit + 1)
    .offset(after ? 0 : query.offset);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    users: page.map(toUserView),
    total: totalRow?.n ?? 0,
    limit: query.limit,
    offset: after ? null : query.offset,
    nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null,
  };
}

export async function listOrgUnits(
  deps: CustomersDeps,
  actor: Actor,
  customerId: string,
): Promise<{ orgUnitPath: string; name: string; parentOrgUnitPath: string | null }[]> {
  await authorizedCustomerRow(deps, actor, 'customer.read', customerId);
  return deps.db
    .select({
      orgUnitPath: directoryOrgUnits.orgUnitPath,
      name: directoryOrgUnits.name,
      parentOrgUnitPath: directoryOrgUnits.parentOrgUnitPath,
    })
    .from(directoryOrgUnits)
    .where(eq(directoryOrgUnits.customerId, customerId))
    .orderBy(asc(directoryOrgUnits.orgUnitPath));
}
