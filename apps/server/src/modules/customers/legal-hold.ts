// Legal hold on a user (issue 19 item 1): while it is on, nothing of the user's backups is
// pruned — neither versions past the retention's age limits (backup/retention.ts) nor the
// whole backup after the 60-day grace period (purge.ts). Set by whoever manages the tenant's
// Settings; every change audited with the value before and after.
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { AppError } from '../../http/errors.ts';
import type { Actor } from '../policy/index.ts';
import { authorizeCustomer } from '../tenancy/index.ts';
import type { AuditActor, CustomersDeps } from './deps.ts';
import { auditTenantsFor } from './licensing.ts';
import { directoryUsers } from './tables.ts';

export const legalHoldSchema = z.strictObject({
  email: z.email().describe("The user's primary address in the tenant's directory"),
  legalHold: z.boolean().describe("On: none of the user's backups are pruned (age limits and the 60-day grace)."),
});

export const legalHoldResponse = legalHoldSchema.extend({ userId: z.string() });

export async function setLegalHold(
  deps: Pick<CustomersDeps, 'db' | 'audit'>,
  actor: Actor,
  auditActor: AuditActor,
  customerId: string,
  request: z.infer<typeof legalHoldSchema>,
): Promise<{ userId: string; email: string; legalHold: boolean }> {
  const { legalHold } = request;
  await authorizeCustomer(deps.db, actor, 'customer.settings.manage', customerId);
  return deps.db.transaction(async (tx) => {
    const [user] = await tx
      .select({ id: directoryUsers.id, email: directoryUsers.primaryEmail, legalHold: directoryUsers.legalHold })
      .from(directoryUsers)
      .where(
        and(
          eq(directoryUsers.customerId, customerId),
          sql`lower(${directoryUsers.primaryEmail}) = ${request.email.toLowerCase()}`,
        ),
      )
      .for('update');
    if (!user)
      throw new AppError('not_found', `No user ${request.email} in this domain's directory.`, { field: 'email' });
    const userId = user.id;
    if (user.legalHold !== legalHold) {
      await tx.update(directoryUsers).set({ legalHold }).where(eq(directoryUsers.id, userId));
      await deps.audit.record(
        {
          ...auditActor,
          tenants: auditTenantsFor(customerId, auditActor),
          action: legalHold ? 'licenses.legal_hold_on' : 'licenses.legal_hold_off',
          target: user.email,
          result: 'success',
          details: { userId, before: { legalHold: user.legalHold }, after: { legalHold } },
        },
        tx,
      );
    }
    return { userId, email: user.email, legalHold };
  });
}
