// Distributors (issue 18 #8, PRODUCT.md §1): a partner with child partners sees them on its
// Partners page — each child with the customers, seats, storage and open alerts of the child's
// whole subtree — and its owner and admins onboard a child partner under it (the vendor's
// onboarding flow: the organisation and its owner's invitation). Nobody sees above or beside
// their own subtree: the page is authorised on the distributor, and lists its direct children.
import { notFound } from '../../http/errors.ts';
import { countOpenAlerts } from '../alerts/index.ts';
import { partnerOwnerColumns } from '../identity/index.ts';
import { type Actor, authorize, can } from '../policy/index.ts';
import { partnerHealthTotals } from '../reseller/index.ts';
import {
  customerIdsInScope,
  listChildPartners,
  loadPartnerTenant,
  type PartnerSummary,
  partnerSubtreeIds,
} from '../tenancy/index.ts';
import type { PartnersDeps } from './service.ts';

export interface ChildPartnerView {
  partner: PartnerSummary;
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
  const children = await listChildPartners(db, partnerId, partnerOwnerColumns);
  const now = clock.now();
  const partners: ChildPartnerView[] = [];
  for (const child of children) {
    const subtree = await partnerSubtreeIds(db, child.id);
    const totals = await partnerHealthTotals(db, now, subtree);
    const openAlerts = await countOpenAlerts(
      db,
      customerIdsInScope({ kind: 'partnerSubtree', partnerId: child.id, onlyCustomerIds: null }),
    );
    partners.push({ partner: child, ...totals, openAlerts });
  }
  return { canOnboard: can(actor, 'partner.partners.manage', tenant), partners };
}
