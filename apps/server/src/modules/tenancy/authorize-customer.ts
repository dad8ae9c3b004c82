// The one check every customer route makes before it touches tenant data (issue 15 §2): load the
// tenant with its chain of managing partners and ask the policy. An unknown customer and one the
// actor may not see answer the same 404, so a caller cannot learn which customer ids exist.
import type { Db } from '../../db/database.ts';
import { notFound } from '../../http/errors.ts';
import { type Action, type Actor, authorize, canSee, type Tenant } from '../policy/index.ts';
import { loadCustomerTenant } from './store.ts';

/**
 * The customer's tenant when the actor may do `action` on it. Unknown or invisible → 404
 * "The customer was not found."; visible but not allowed → the policy's 403.
 */
export async function authorizeCustomer(db: Db, actor: Actor, action: Action, customerId: string): Promise<Tenant> {
  const tenant = await loadCustomerTenant(db, customerId);
  if (!tenant || !canSee(actor, tenant)) throw notFound('The customer');
  authorize(actor, action, tenant);
  return tenant;
}
