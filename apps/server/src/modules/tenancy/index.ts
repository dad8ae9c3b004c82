// The tenancy module's public surface (issue 15). It owns the `partners` and `customers` tables —
// the tenants and the tree of partners that manage them — and no other module reads them: they
// call what is exported here. It answers who may see which tenant (the one authorizeCustomer
// check of every customer route, the tenant loads the policy needs, the scope condition that
// keeps list queries inside what an actor may see), keeps the customer and partner rows, and
// gives other modules' queries subqueries on them (customerColumn, partnerColumn,
// customerIdsWithStatus) so they stay one statement without joining these tables.
export { authorizeCustomer } from './authorize-customer.ts';
export {
  type CustomerAccessControls,
  type CustomerBackupWindow,
  type CustomerListing,
  type CustomerRow,
  type CustomerStatus,
  type CustomerSubscription,
  customerColumn,
  customerIdsByDomain,
  customerIdsWithStatus,
  customerNamesSubquery,
  deleteCustomerRow,
  findCustomerByDomain,
  findCustomerByDomainAnyCase,
  getCustomer,
  getCustomerBackupWindow,
  inServiceBackupWindows,
  inServiceStatuses,
  insertCustomer,
  insertCustomerUnlessDomainTaken,
  listCustomersCreatedBefore,
  lockCustomer,
  type NewCustomer,
  setAllowPartnerAccess,
  setCustomerAccessControls,
  setCustomerBackupWindow,
  setCustomerPartner,
  setCustomerSubscription,
} from './customer-rows.ts';
export {
  getPartner,
  getPartnerSummary,
  insertPartner,
  listChildPartners,
  listPartners,
  type PartnerListQuery,
  type PartnerOwnerColumns,
  type PartnerStatus,
  type PartnerSummary,
  partnerColumn,
  setPartnerStatus,
} from './partner-rows.ts';
export {
  customerIdsInScope,
  customerPartnerSince,
  customerScopeCondition,
  loadCustomerTenant,
  loadPartnerTenant,
  partnerPath,
  partnerSubtreeIds,
} from './store.ts';
