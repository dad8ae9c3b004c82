// Settings › Access controls (PRODUCT.md §3, issue 17 #4): whether the customer's end users
// may reach their own backups (browse and restore) and export their data. Both are on for a
// new tenant. The policy module enforces them (customer.data.* for end users); this use case
// reads and changes them, each change audited with the person and the values before and after.
import { z } from 'zod';
import { notFound } from '../../http/errors.ts';
import type { Actor } from '../policy/index.ts';
import {
  authorizeCustomer,
  type CustomerAccessControls,
  type CustomerRow,
  lockCustomer,
  setCustomerAccessControls,
} from '../tenancy/index.ts';
import type { AuditActor, CustomersDeps } from './deps.ts';
import { auditTenantsFor, authorizedCustomerRow } from './licensing.ts';

export type AccessControls = CustomerAccessControls;

export const accessControlsSchema = z.object({
  allowUserAccess: z.boolean().describe('End users may browse and restore their own backups.'),
  allowUserExport: z.boolean().describe('End users may export their own data (needs allowUserAccess).'),
});

export const accessControlsUpdateSchema = z
  .strictObject({
    allowUserAccess: z.boolean().optional(),
    allowUserExport: z.boolean().optional(),
  })
  .refine((body) => body.allowUserAccess !== undefined || body.allowUserExport !== undefined, {
    message: 'Give allowUserAccess, allowUserExport or both.',
  });
export type AccessControlsUpdate = z.infer<typeof accessControlsUpdateSchema>;

export function accessControlsOf(customer: Pick<CustomerRow, 'allowUserAccess' | 'allowUserExport'>): AccessControls {
  return { allowUserAccess: customer.allowUserAccess, allowUserExport: customer.allowUserExport };
}

export async function getAccessControls(
  deps: Pick<CustomersDeps, 'db'>,
  actor: Actor,
  customerId: string,
): Promise<AccessControls> {
  return accessControlsOf(await authorizedCustomerRow(deps, actor, 'customer.access_controls.read', customerId));
}

/** Changes the switches given (the others stay); an unchanged value is no change and no audit entry. */
export async function setAccessControls(
  deps: Pick<CustomersDeps, 'db' | 'audit'>,
  actor: Actor,
  auditActor: AuditActor,
  customerId: string,
  update: AccessControlsUpdate,
): Promise<AccessControls> {
  await authorizeCustomer(deps.db, actor, 'customer.settings.manage', customerId);
  return deps.db.transaction(async (tx) => {
    const customer = await lockCustomer(tx, customerId);
    if (!customer) throw notFound('The customer');
    const before = accessControlsOf(customer);
    const after: AccessControls = {
      allowUserAccess: update.allowUserAccess ?? before.allowUserAccess,
      allowUserExport: update.allowUserExport ?? before.allowUserExport,
    };
    if (after.allowUserAccess === before.allowUserAccess && after.allowUserExport === before.allowUserExport) {
      return after;
    }
    await setCustomerAccessControls(tx, customerId, after);
    await deps.audit.record(
      {
        ...auditActor,
        tenants: auditTenantsFor(customerId, auditActor),
        action: 'customer.access_controls.set',
        target: customer.domain,
        result: 'success',
        details: { before, after },
      },
      tx,
    );
    return after;
  });
}
