// The directory users by address, as the Spanning-compatible API lists and finds them: every
// user present in Google, and those deleted there who still hold a licence (their data is
// kept), in address order, paged by a keyset (the last address and id of a page), so every
// user is reached once however the directory changes between pages.
import { and, asc, eq, isNotNull, isNull, or, sql } from 'drizzle-orm';
import type { Actor } from '../policy/index.ts';
import { authorizeCustomer } from '../tenancy/index.ts';
import type { CustomersDeps } from './deps.ts';
import { type DirectoryUserRow, directoryUsersByEmails } from './store.ts';
import { directoryUsers } from './tables.ts';

export interface AddressCursor {
  email: string;
  id: string;
}

export interface UserLicense {
  email: string;
  license: DirectoryUserRow['license'];
}

const listed = or(isNull(directoryUsers.deletedAt), isNotNull(directoryUsers.license));
const address = sql<string>`lower(${directoryUsers.primaryEmail})`;

/** Up to `limit` users after the cursor, and the cursor of the next page (null on the last). */
export async function usersByAddress(
  deps: Pick<CustomersDeps, 'db'>,
  actor: Actor,
  customerId: string,
  page: { after: AddressCursor | null; limit: number },
): Promise<{ users: UserLicense[]; next: AddressCursor | null }> {
  await authorizeCustomer(deps.db, actor, 'customer.read', customerId);
  const after = page.after;
  const rows = await deps.db
    .select({ id: directoryUsers.id, email: directoryUsers.primaryEmail, address, license: directoryUsers.license })
    .from(directoryUsers)
    .where(
      and(
        eq(directoryUsers.customerId, customerId),
        listed,
        after ? sql`(${address}, ${directoryUsers.id}) > (${after.email}, ${after.id})` : undefined,
      ),
    )
    .orderBy(asc(address), asc(directoryUsers.id))
    .limit(page.limit + 1);
  const users = rows.slice(0, page.limit);
  const last = users.at(-1);
  return {
    users: users.map(({ email, license }) => ({ email, license })),
    next: rows.length > page.limit && last ? { email: last.address, id: last.id } : null,
  };
}

/** One user by address (a current user before a deleted one with the same address); null when none. */
export async function userByAddress(
  deps: Pick<CustomersDeps, 'db'>,
  actor: Actor,
  customerId: string,
  email: string,
): Promise<UserLicense | null> {
  await authorizeCustomer(deps.db, actor, 'customer.read', customerId);
  const rows = await directoryUsersByEmails(deps.db, customerId, [email]);
  const user =
    rows.find((row) => row.deletedAt === null) ?? rows.find((row) => row.deletedAt !== null && row.license !== null);
  return user ? { email: user.primaryEmail, license: user.license } : null;
}
