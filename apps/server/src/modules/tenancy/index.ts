// The tenancy module's public surface (issue 15): it owns the partners and customers tables —
// the tenants themselves and the tree of partners that manage them — and answers who may see
// which tenant: the one authorizeCustomer check of every customer route, the tenant loads the
// policy needs, and the scope conditions that keep list queries inside what an actor may see.
export { authorizeCustomer } from './authorize-customer.ts';
export {
  customerPartnerSince,
  customerScopeCondition,
  loadCustomerTenant,
  loadPartnerTenant,
  partnerPath,
  partnerSubtreeIds,
  type StaffOrganisationInfo,
  staffOrganisations,
} from './store.ts';
