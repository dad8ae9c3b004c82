// Distributors (issue 18 #8, PRODUCT.md §1): a partner with child partners sees its whole
// subtree on its Partners page — children, then each one's own children (named with their
// parent), each with the customers, seats, storage and open alerts of its own subtree — and its
// owner and admins onboard a child partner under it (the vendor's onboarding flow: the
// organisation and its owner's invitation) and send a pending owner invitation again. Nobody
// sees above or beside their own subtree: the page is authorised on the distributor, and lists
// what lies below it.
import { notFound } from '../../http/errors.ts';
import { countOpenAlerts } from '../alerts/index.ts';
import { partnerOwnerColumns } from '../identity/index.ts';
import { type Actor, authorize, can } from '../policy/index.ts';
import { partnerHealthTotals } from '../reseller/index.ts';
import {
  customerIdsInScope,
  getPartner,
  listChildPartners,
  loadPartnerTenant,
  type PartnerSummary,
  partnerPath,
  partnerSubtreeIds,
} from '../tenancy/index.ts';
import type { PartnersDeps } from './service.ts';

export interface ChildPartnerView {
  partner: PartnerSummary;
  /** The partner it sits under (the distributor itself for a direct child). */
  parent: { id: string; name: string };
  /** 1 for a direct child, 2 for a grandchild, … */
  depth: number;
  /** Of the child's whole subtree (its own children's customers too). */
  customers: number;
  seatsAssigned: number;
  seatsPurchased: number;
  storageBytes: number;
  openAlerts: number;
}

export async function listChildPartnersFor(
  deps: PartnersDeps,
  actor: Actor,
  partnerId: string,
): Promise<{ canOnboard: boolean; partners: ChildPartnerView[] }> {
  const { db, clock } = deps.ctx;
  const tenant = await loadPartnerTenant(db, partnerId);
  if (!tenant) throw notFound('The partner');
  authorize(actor, 'partner.partners.read', tenant);
  const now = clock.now();
  const partners: ChildPartnerView[] = [];
  // Depth first: each partner, then the partners under it (the subtree is at most 16 deep).
  const visit = async (parent: { id: string; name: string }, depth: number): Promise<void> => {
    for (const child of await listChildPartners(db, parent.id, partnerOwnerColumns)) {
      const subtree = await partnerSubtreeIds(db, child.id);
      const totals = await partnerHealthTotals(db, now, subtree);
      const openAlerts = await countOpenAlerts(
        db,
        customerIdsInScope({ kind: 'partnerSubtree', partnerId: child.id, onlyCustomerIds: null }),
      );
      partners.push({ partner: child, parent, depth, ...totals, openAlerts });
      if (subtree.length > 1) await visit({ id: child.id, name: child.name }, depth + 1);
    }
  };
  const self = await getPartner(db, partnerId);
  if (!self) throw notFound('The partner');
  await visit(self, 1);
  return { canOnboard: can(actor, 'partner.partners.manage', tenant), partners };
}

/**
 * The partner of a distributor's subtree (not the distributor itself), once the actor may manage
 * the distributor's partners; 404 for any other partner, as if it did not exist.
 */
export async function authorizeSubtreePartner(
  deps: PartnersDeps,
  actor: Actor,
  distributorId: string,
  partnerId: string,
): Promise<void> {
  const tenant = await loadPartnerTenant(deps.ctx.db, distributorId);
  if (!tenant) throw notFound('The partner');
  authorize(actor, 'partner.partners.manage', tenant);
  const path = await partnerPath(deps.ctx.db, partnerId);
  if (partnerId === distributorId || !path.includes(distributorId)) throw notFound('The partner');
}
