// The policy module: the one answer to "may this actor do this on this tenant?" — the roles
// of each console, the actions, and the rules (authorize, canSee, what an audit reader may see,
// which customers a list may show). Pure functions over the Actor and Tenant it is given; it
// owns no tables and reads nothing.
export {
  type Action,
  type Actor,
  type AuditView,
  auditView,
  authorize,
  authorizeInvitation,
  authorizeRestoreTarget,
  authorizeSharedDriveRestore,
  authorizeSubject,
  backupHistoryAccess,
  type CustomerRole,
  type CustomerScope,
  canSee,
  customerRoles,
  customerScope,
  mayGrantRole,
  ownSubjectOnly,
  type PartnerRole,
  partnerRoles,
  type StaffOrganisation,
  type Tenant,
  type VendorRole,
  vendorRoles,
} from './policy.ts';
