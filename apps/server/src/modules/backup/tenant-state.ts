// The backup module's per-tenant state row (retention limits, the last gc and verify, shared
// drive protection defaults): read and written here, by the files that keep those settings.
import { eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { backupTenantState } from './tables.ts';

export async function upsertState(
  ctx: Pick<AppContext, 'db'>,
  customerId: string,
  values: Partial<typeof backupTenantState.$inferInsert>,
): Promise<void> {
  await ctx.db
    .insert(backupTenantState)
    .values({ customerId, ...values })
    .onConflictDoUpdate({ target: backupTenantState.customerId, set: values });
}

export async function tenantState(
  ctx: Pick<AppContext, 'db'>,
  customerId: string,
): Promise<typeof backupTenantState.$inferSelect | undefined> {
  const [row] = await ctx.db.select().from(backupTenantState).where(eq(backupTenantState.customerId, customerId));
  return row;
}
