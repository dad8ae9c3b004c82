// The full matrix: every actor role × every action × every tenant relation (own, child,
// other), written out by hand from PRODUCT.md §1 so the policy is checked against the spec,
// not against itself.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Action,
  type Actor,
  type ApiKeyScope,
  actions,
  authorize,
  authorizeInvitation,
  authorizeOwnerInvitation,
  authorizeSubject,
  can,
  canSee,
  customerScope,
  mayGrantRole,
  ownSubjectOnly,
  partnerRoles,
  partnerSessionConsoleRole,
  type Tenant,
  vendorRoles,
} from './policy.ts';

// Partner P1 (the acting partner) has child P2; P3 is unrelated. C1, C4, C5 are P1's
// customers, C2 belongs to the child P2, C3 to P3. Technicians are assigned C1, C2 and C5.
const tenants = {
  vendor: { kind: 'vendor' },
  partnerOwn: { kind: 'partner', partnerId: 'P1', partnerPath: ['P1'] },
  partnerChild: { kind: 'partner', partnerId: 'P2', partnerPath: ['P2', 'P1'] },
  partnerOther: { kind: 'partner', partnerId: 'P3', partnerPath: ['P3'] },
  customerOwn: {
    kind: 'customer',
    customerId: 'C1',
    partnerPath: ['P1'],
    allowPartnerAccess: true,
    allowUserAccess: true,
    allowUserExport: true,
  },
  customerChild: {
    kind: 'customer',
    customerId: 'C2',
    partnerPath: ['P2', 'P1'],
    allowPartnerAccess: true,
    allowUserAccess: true,
    allowUserExport: true,
  },
  customerOther: {
    kind: 'customer',
    customerId: 'C3',
    partnerPath: ['P3'],
    allowPartnerAccess: true,
    allowUserAccess: true,
    allowUserExport: true,
  },
  customerUnassigned: {
    kind: 'customer',
    customerId: 'C4',
    partnerPath: ['P1'],
    allowPartnerAccess: true,
    allowUserAccess: true,
    allowUserExport: true,
  },
  customerNoAccess: {
    kind: 'customer',
    customerId: 'C5',
    partnerPath: ['P1'],
    allowPartnerAccess: false,
    allowUserAccess: true,
    allowUserExport: true,
  },
} satisfies Record<string, Tenant>;
type TenantName = keyof typeof tenants;

const partner = (role: 'owner' | 'admin' | 'technician' | 'read_only' | 'billing'): Actor => ({
  kind: 'partner',
  userId: `u-${role}`,
  partnerId: 'P1',
  role,
  assignedCustomerIds: ['C1', 'C2', 'C5'],
});
const customer = (role: 'super_admin' | 'helpdesk_admin' | 'end_user'): Actor => ({
  kind: 'customer',
  memberId: `m-${role}`,
  customerId: 'C1',
  role,
  email: `${role}@c1.test`,
});
const actors = {
  vendorAdmin: { kind: 'vendor', userId: 'v1', role: 'admin' },
  vendorSupport: { kind: 'vendor', userId: 'v2', role: 'support' },
  partnerOwner: partner('owner'),
  partnerAdmin: partner('admin'),
  partnerTechnician: partner('technician'),
  partnerReadOnly: partner('read_only'),
  partnerBilling: partner('billing'),
  customerSuperAdmin: customer('super_admin'),
  customerHelpdesk: customer('helpdesk_admin'),
  customerEndUser: customer('end_user'),
  system: { kind: 'system' },
} satisfies Record<string, Actor>;
type ActorName = keyof typeof actors;

const allCustomers: TenantName[] = [
  'customerOwn',
  'customerChild',
  'customerOther',
  'customerUnassigned',
  'customerNoAccess',
];
const subtreeCustomers: TenantName[] = ['customerOwn', 'customerChild', 'customerUnassigned', 'customerNoAccess'];
const assignedCustomers: TenantName[] = ['customerOwn', 'customerChild', 'customerNoAccess'];
const allPartners: TenantName[] = ['partnerOwn', 'partnerChild', 'partnerOther'];
const ownPartners: TenantName[] = ['partnerOwn', 'partnerChild'];

type Expected = Partial<Record<ActorName, TenantName[]>>;
const expected: Record<Action, Expected> = {
  'vendor.partners.read': { vendorAdmin: ['vendor'], vendorSupport: ['vendor'] },
  'vendor.partners.manage': { vendorAdmin: ['vendor'] },
  'vendor.outbox.read': { vendorAdmin: ['vendor'] },
  'vendor.health.read': { vendorAdmin: ['vendor'], vendorSupport: ['vendor'] },
  'vendor.jobs.retry': { vendorAdmin: ['vendor'] },
  'vendor.operators.manage': { vendorAdmin: ['vendor'] },
  'partner.read': {
    vendorAdmin: allPartners,
    vendorSupport: allPartners,
    partnerOwner: ownPartners,
    partnerAdmin: ownPartners,
    partnerTechnician: ownPartners,
    partnerReadOnly: ownPartners,
    partnerBilling: ownPartners,
  },
  'partner.team.manage': { partnerOwner: ownPartners, partnerAdmin: ownPartners },
  'partner.team.read': { partnerOwner: ownPartners, partnerAdmin: ownPartners },
  // Only the owner, and only of their own organisation (a child partner has its own owner).
  'partner.ownership.transfer': { partnerOwner: ['partnerOwn'] },
  'partner.customers.add': { partnerOwner: ownPartners, partnerAdmin: ownPartners },
  'partner.customers.read': {
    vendorAdmin: allPartners,
    vendorSupport: allPartners,
    partnerOwner: ownPartners,
    partnerAdmin: ownPartners,
    partnerTechnician: ownPartners,
    partnerReadOnly: ownPartners,
    partnerBilling: ownPartners,
  },
  'partner.billing.read': { partnerOwner: ownPartners, partnerAdmin: ownPartners, partnerBilling: ownPartners },
  'partner.alerts.read': {
    vendorAdmin: allPartners,
    vendorSupport: allPartners,
    partnerOwner: ownPartners,
    partnerAdmin: ownPartners,
    partnerTechnician: ownPartners,
    partnerReadOnly: ownPartners,
  },
  // One's own digest, on one's own organisation only (not a child's).
  'partner.alerts.digest': {
    partnerOwner: ['partnerOwn'],
    partnerAdmin: ['partnerOwn'],
    partnerTechnician: ['partnerOwn'],
    partnerReadOnly: ['partnerOwn'],
  },
  // Integrations are the organisation's own: a parent does not manage its child's API keys.
  'partner.integrations.manage': { partnerOwner: ['partnerOwn'], partnerAdmin: ['partnerOwn'] },
  'partner.usage.read': {
    vendorAdmin: allPartners,
    vendorSupport: allPartners,
    partnerOwner: ownPartners,
    partnerAdmin: ownPartners,
    partnerTechnician: ownPartners,
    partnerReadOnly: ownPartners,
    partnerBilling: ownPartners,
  },
  'partner.partners.read': {
    vendorAdmin: allPartners,
    vendorSupport: allPartners,
    partnerOwner: ownPartners,
    partnerAdmin: ownPartners,
  },
  'partner.partners.manage': { partnerOwner: ownPartners, partnerAdmin: ownPartners },
  'customer.read': {
    vendorAdmin: allCustomers,
    vendorSupport: allCustomers,
    partnerOwner: subtreeCustomers,
    partnerAdmin: subtreeCustomers,
    partnerTechnician: assignedCustomers,
    partnerReadOnly: subtreeCustomers,
    partnerBilling: subtreeCustomers,
    customerSuperAdmin: ['customerOwn'],
    customerHelpdesk: ['customerOwn'],
    system: allCustomers,
  },
  'customer.licenses.manage': {
    partnerOwner: subtreeCustomers,
    partnerAdmin: subtreeCustomers,
    customerSuperAdmin: ['customerOwn'],
    system: allCustomers,
  },
  'customer.subscription.manage': {
    partnerOwner: subtreeCustomers,
    partnerAdmin: subtreeCustomers,
    system: allCustomers,
  },
  'customer.backup.run': {
    partnerOwner: subtreeCustomers,
    partnerAdmin: subtreeCustomers,
    partnerTechnician: assignedCustomers,
    customerSuperAdmin: ['customerOwn'],
    customerHelpdesk: ['customerOwn'],
    system: allCustomers,
  },
  // End users: their own data only (authorizeSubject, below), while the access controls allow it.
  // Partner staff: only inside a partner session (below); these actors have none.
  'customer.data.browse': {
    customerSuperAdmin: ['customerOwn'],
    customerHelpdesk: ['customerOwn'],
    customerEndUser: ['customerOwn'],
    system: allCustomers,
  },
  'customer.data.restore': {
    customerSuperAdmin: ['customerOwn'],
    customerHelpdesk: ['customerOwn'],
    customerEndUser: ['customerOwn'],
    system: allCustomers,
  },
  'customer.data.export': {
    customerSuperAdmin: ['customerOwn'],
    customerHelpdesk: ['customerOwn'],
    customerEndUser: ['customerOwn'],
    system: allCustomers,
  },
  'customer.alerts.acknowledge': {
    partnerOwner: subtreeCustomers,
    partnerAdmin: subtreeCustomers,
    partnerTechnician: assignedCustomers,
  },
  'customer.settings.manage': {
    partnerOwner: subtreeCustomers,
    partnerAdmin: subtreeCustomers,
    customerSuperAdmin: ['customerOwn'],
  },
  'customer.access_controls.read': {
    vendorAdmin: allCustomers,
    vendorSupport: allCustomers,
    partnerOwner: subtreeCustomers,
    partnerAdmin: subtreeCustomers,
    partnerTechnician: assignedCustomers,
    partnerReadOnly: subtreeCustomers,
    partnerBilling: subtreeCustomers,
    customerSuperAdmin: ['customerOwn'],
    customerHelpdesk: ['customerOwn'],
    customerEndUser: ['customerOwn'],
    system: allCustomers,
  },
  // Only the customer's super admins (and the command line): never partner staff (issue 19 #4).
  'customer.roles.manage': {
    customerSuperAdmin: ['customerOwn'],
    system: allCustomers,
  },
  'customer.transfer_token.manage': { customerSuperAdmin: ['customerOwn'] },
  'customer.partner.remove': { customerSuperAdmin: ['customerOwn'] },
  'customer.reseller.read': {
    vendorAdmin: allCustomers,
    vendorSupport: allCustomers,
    customerSuperAdmin: ['customerOwn'],
    customerHelpdesk: ['customerOwn'],
  },
  'customer.partner_access.manage': { customerSuperAdmin: ['customerOwn'] },
  'customer.impersonate': {
    partnerOwner: ['customerOwn', 'customerChild', 'customerUnassigned'],
    partnerAdmin: ['customerOwn', 'customerChild', 'customerUnassigned'],
    partnerTechnician: ['customerOwn', 'customerChild'],
  },
  'customer.audit.read': {
    vendorAdmin: allCustomers,
    vendorSupport: allCustomers,
    partnerOwner: subtreeCustomers,
    partnerAdmin: subtreeCustomers,
    customerSuperAdmin: ['customerOwn'],
  },
  'customer.billing.read': {
    partnerOwner: subtreeCustomers,
    partnerAdmin: subtreeCustomers,
    partnerBilling: subtreeCustomers,
    customerSuperAdmin: ['customerOwn'],
  },
  'customer.api_tokens.manage': {
    customerSuperAdmin: ['customerOwn'],
    system: allCustomers,
  },
  'customer.google_project.move': {
    vendorAdmin: allCustomers,
    system: allCustomers,
  },
  'customer.authorization.check': {
    vendorAdmin: allCustomers,
    partnerOwner: subtreeCustomers,
    partnerAdmin: subtreeCustomers,
    customerSuperAdmin: ['customerOwn'],
    system: allCustomers,
  },
  'customer.delete': {
    vendorAdmin: allCustomers,
    system: allCustomers,
  },
  'customer.technicians.read': {
    vendorAdmin: allCustomers,
    vendorSupport: allCustomers,
    partnerOwner: subtreeCustomers,
    partnerAdmin: subtreeCustomers,
    partnerTechnician: assignedCustomers,
    partnerReadOnly: subtreeCustomers,
    partnerBilling: subtreeCustomers,
  },
  'audit.read': {
    vendorAdmin: ['vendor'],
    vendorSupport: ['vendor'],
    partnerOwner: [...ownPartners, ...subtreeCustomers],
    partnerAdmin: [...ownPartners, ...subtreeCustomers],
    customerSuperAdmin: ['customerOwn'],
  },
  'account.password.change': {
    vendorAdmin: ['vendor'],
    vendorSupport: ['vendor'],
    partnerOwner: ['partnerOwn'],
    partnerAdmin: ['partnerOwn'],
    partnerTechnician: ['partnerOwn'],
    partnerReadOnly: ['partnerOwn'],
    partnerBilling: ['partnerOwn'],
  },
};

describe('policy matrix', () => {
  for (const action of actions) {
    it(`${action}: allowed exactly for the roles and tenants PRODUCT.md gives`, () => {
      const mismatches: string[] = [];
      for (const [actorName, actor] of Object.entries(actors) as [ActorName, Actor][]) {
        for (const [tenantName, tenant] of Object.entries(tenants) as [TenantName, Tenant][]) {
          const want = expected[action][actorName]?.includes(tenantName) ?? false;
          if (can(actor, action, tenant) !== want) mismatches.push(`${actorName} on ${tenantName}: expected ${want}`);
        }
      }
      assert.deepEqual(mismatches, []);
    });
  }
});

describe("a customer's API token (Spanning-compatible API)", () => {
  const token: Actor = { kind: 'api_token', tokenId: 't1', customerId: 'C1' };
  const allowed = () =>
    actions.flatMap((action) =>
      (Object.keys(tenants) as TenantName[])
        .filter((name) => can(token, action, tenants[name]))
        .map((name) => `${action} ${name}`),
    );

  it('reads users, changes licences, backs up, browses, restores and exports on its own tenant, and does nothing else anywhere', () => {
    assert.deepEqual(allowed().sort(), [
      'customer.backup.run customerOwn',
      'customer.data.browse customerOwn',
      'customer.data.export customerOwn',
      'customer.data.restore customerOwn',
      'customer.licenses.manage customerOwn',
      'customer.read customerOwn',
    ]);
  });

  it('another tenant is invisible to it (404, not 403), and it grants no role', () => {
    for (const name of Object.keys(tenants) as TenantName[]) {
      assert.equal(canSee(token, tenants[name]), name === 'customerOwn', name);
    }
    assert.equal(mayGrantRole(token, 'end_user'), false);
  });
});

describe('API keys (Integrations)', () => {
  const key = (...scopes: ApiKeyScope[]): Actor => ({ kind: 'api_key', keyId: 'k1', partnerId: 'P1', scopes });
  const allowed = (actor: Actor) =>
    actions.flatMap((action) =>
      (Object.keys(tenants) as TenantName[])
        .filter((name) => can(actor, action, tenants[name]))
        .map((name) => `${action} ${name}`),
    );

  it('a key with every scope reads and manages customers and licenses of its subtree, and nothing else', () => {
    const everything = allowed(key('read', 'manage_customers', 'manage_licenses'));
    const expectedEntries = [
      ...ownPartners.map((t) => `partner.read ${t}`),
      ...ownPartners.map((t) => `partner.customers.add ${t}`),
      ...ownPartners.map((t) => `partner.customers.read ${t}`),
      ...subtreeCustomers.map((t) => `customer.read ${t}`),
      ...subtreeCustomers.map((t) => `customer.licenses.manage ${t}`),
    ];
    assert.deepEqual(everything.sort(), expectedEntries.sort());
  });

  it('never reaches customer data, the team, the audit log or integrations, whatever its scopes', () => {
    const actor = key('read', 'manage_customers', 'manage_licenses');
    for (const action of [
      'customer.data.browse',
      'customer.data.restore',
      'customer.data.export',
      'customer.impersonate',
      'partner.team.manage',
      'partner.integrations.manage',
      'audit.read',
    ] as const) {
      assert.equal(can(actor, action, tenants.customerOwn), false, action);
      assert.equal(can(actor, action, tenants.partnerOwn), false, action);
    }
  });

  it('a read key may not change licenses or add customers; each manage scope allows its own change only', () => {
    assert.equal(can(key('read'), 'customer.licenses.manage', tenants.customerOwn), false);
    assert.equal(can(key('read'), 'partner.customers.add', tenants.partnerOwn), false);
    assert.equal(can(key('manage_licenses'), 'customer.licenses.manage', tenants.customerOwn), true);
    assert.equal(can(key('manage_licenses'), 'partner.customers.add', tenants.partnerOwn), false);
    assert.equal(can(key('manage_customers'), 'partner.customers.add', tenants.partnerOwn), true);
    assert.equal(can(key('manage_customers'), 'customer.licenses.manage', tenants.customerOwn), false);
  });

  it("another partner's tenants answer not_found, and its lists are scoped to the key's subtree", () => {
    assert.throws(() => authorize(key('read'), 'customer.read', tenants.customerOther), { code: 'not_found' });
    assert.throws(() => authorize(key('read'), 'customer.licenses.manage', tenants.customerOwn), { code: 'forbidden' });
    assert.deepEqual(customerScope(key('read')), { kind: 'partnerSubtree', partnerId: 'P1', onlyCustomerIds: null });
  });
});

const sessionOn = (customerId: string) => ({
  customerId,
  reason: 'ticket 42',
  endsAt: new Date('2026-06-01T10:00:00Z'),
});
const withSession = (actor: Actor, customerId: string): Actor =>
  actor.kind === 'partner' ? { ...actor, partnerSession: sessionOn(customerId) } : actor;
const dataActions = ['customer.data.browse', 'customer.data.restore', 'customer.data.export'] as const;

describe('partner sessions (issue 18 §2)', () => {
  const codeOf = (run: () => void): string | null => {
    try {
      run();
      return null;
    } catch (error) {
      return (error as { code?: string }).code ?? 'no code';
    }
  };

  it('inside a session on one customer, owners, admins and assigned technicians reach that customer’s data only', () => {
    for (const role of ['owner', 'admin', 'technician'] as const) {
      const actor: Actor = withSession(partner(role), 'C1');
      for (const action of dataActions) {
        const allowed = (Object.keys(tenants) as TenantName[]).filter((name) => can(actor, action, tenants[name]));
        assert.deepEqual(allowed, ['customerOwn'], `${role} ${action}`);
      }
    }
  });

  it('read-only and billing members reach no data even with a session, and never open one', () => {
    for (const role of ['read_only', 'billing'] as const) {
      const actor: Actor = withSession(partner(role), 'C1');
      for (const action of [...dataActions, 'customer.impersonate'] as const) {
        assert.equal(can(actor, action, tenants.customerOwn), false, `${role} ${action}`);
      }
      assert.equal(
        codeOf(() => authorize(actor, 'customer.data.browse', tenants.customerOwn)),
        'forbidden',
      );
    }
  });

  it('without a session a partner is refused with partner_session_required; with the switch off, partner_access_off', () => {
    for (const action of dataActions) {
      assert.equal(
        codeOf(() => authorize(actors.partnerOwner, action, tenants.customerOwn)),
        'partner_session_required',
      );
      assert.equal(
        codeOf(() => authorize(actors.partnerOwner, action, tenants.customerNoAccess)),
        'partner_access_off',
      );
    }
    // A session on a customer that has since turned its switch off reaches nothing.
    const inSession: Actor = withSession(actors.partnerTechnician, 'C5');
    assert.equal(can(inSession, 'customer.data.browse', tenants.customerNoAccess), false);
    assert.equal(
      codeOf(() => authorize(actors.partnerOwner, 'customer.impersonate', tenants.customerNoAccess)),
      'partner_access_off',
    );
  });

  it('a session shows managers as super admins and technicians as help-desk admins in the console', () => {
    assert.equal(partnerSessionConsoleRole('owner'), 'super_admin');
    assert.equal(partnerSessionConsoleRole('admin'), 'super_admin');
    assert.equal(partnerSessionConsoleRole('technician'), 'helpdesk_admin');
  });
});

describe('authorize', () => {
  it('answers not_found for a tenant the actor cannot see, so its existence is not revealed', () => {
    assert.throws(
      () => authorize(actors.partnerOwner, 'customer.read', tenants.customerOther),
      (error: { code?: string }) => error.code === 'not_found',
    );
  });
  it('answers forbidden for a visible tenant where the role lacks the permission', () => {
    assert.throws(
      () => authorize(actors.partnerReadOnly, 'customer.licenses.manage', tenants.customerOwn),
      (error: { code?: string }) => error.code === 'forbidden',
    );
  });
  it('a customer end user cannot see their own tenant console', () => {
    assert.equal(can(actors.customerEndUser, 'customer.read', tenants.customerOwn), false);
  });
});

describe('access controls (Settings › Access controls)', () => {
  const own = tenants.customerOwn;
  const accessOff: Tenant = { ...own, allowUserAccess: false, allowUserExport: true };
  const exportOff: Tenant = { ...own, allowUserAccess: true, allowUserExport: false };
  const codeOf = (run: () => void): string | null => {
    try {
      run();
      return null;
    } catch (error) {
      return (error as { code?: string }).code ?? 'no code';
    }
  };

  it('access off: an end user may neither browse, restore nor export, each refused with user_access_off', () => {
    for (const action of ['customer.data.browse', 'customer.data.restore', 'customer.data.export'] as const) {
      assert.equal(can(actors.customerEndUser, action, accessOff), false, action);
      assert.equal(
        codeOf(() => authorize(actors.customerEndUser, action, accessOff)),
        'user_access_off',
        action,
      );
    }
    assert.throws(
      () => authorize(actors.customerEndUser, 'customer.data.browse', accessOff),
      /Your administrator has turned off access to backups\./,
    );
  });

  it('exports off: an end user still browses and restores, and an export is refused with user_export_off', () => {
    assert.equal(can(actors.customerEndUser, 'customer.data.browse', exportOff), true);
    assert.equal(can(actors.customerEndUser, 'customer.data.restore', exportOff), true);
    assert.equal(
      codeOf(() => authorize(actors.customerEndUser, 'customer.data.export', exportOff)),
      'user_export_off',
    );
  });

  it('the switches are about end users: admins and partners keep browse, restore and export', () => {
    const bothOff: Tenant = { ...own, allowUserAccess: false, allowUserExport: false };
    const technicianInSession: Actor = withSession(actors.partnerTechnician, 'C1');
    for (const actor of [actors.customerSuperAdmin, actors.customerHelpdesk, technicianInSession]) {
      for (const action of ['customer.data.browse', 'customer.data.restore', 'customer.data.export'] as const) {
        assert.equal(can(actor, action, bothOff), true, `${actor.kind} ${action}`);
      }
    }
  });

  it("an end user's refusals outside their data keep the plain forbidden code", () => {
    assert.equal(
      codeOf(() => authorize(actors.customerEndUser, 'customer.settings.manage', accessOff)),
      'forbidden',
    );
  });
});

describe('own data (authorizeSubject)', () => {
  it('an end user reaches their own backups only; another user answers not_found', () => {
    assert.doesNotThrow(() => authorizeSubject(actors.customerEndUser, 'end_user@c1.test'));
    assert.doesNotThrow(() => authorizeSubject(actors.customerEndUser, 'End_User@C1.test'));
    assert.throws(
      () => authorizeSubject(actors.customerEndUser, 'super_admin@c1.test'),
      (error: { code?: string }) => error.code === 'not_found',
    );
    assert.throws(
      () => authorizeSubject(actors.customerEndUser, 'shared-drive-0AAbc'),
      (error: { code?: string }) => error.code === 'not_found',
    );
  });

  it('admins, help-desk admins, partners, operators and the system reach every user', () => {
    for (const actor of [
      actors.customerSuperAdmin,
      actors.customerHelpdesk,
      actors.partnerTechnician,
      actors.vendorAdmin,
      actors.system,
    ]) {
      assert.doesNotThrow(() => authorizeSubject(actor, 'someone@c1.test'));
      assert.equal(ownSubjectOnly(actor), null);
    }
    assert.equal(ownSubjectOnly(actors.customerEndUser), 'end_user@c1.test');
  });
});

describe('role grants', () => {
  it('nobody grants a role above their own, and nobody grants ownership', () => {
    assert.equal(mayGrantRole(actors.partnerAdmin, 'admin'), true);
    assert.equal(mayGrantRole(actors.partnerAdmin, 'technician'), true);
    assert.equal(mayGrantRole(actors.partnerAdmin, 'owner'), false);
    assert.equal(mayGrantRole(actors.partnerOwner, 'owner'), false);
    assert.equal(mayGrantRole(actors.partnerTechnician, 'admin'), false);
    assert.equal(mayGrantRole(actors.vendorSupport, 'admin'), false);
    assert.equal(mayGrantRole(actors.vendorAdmin, 'support'), true);
    assert.equal(mayGrantRole(actors.customerHelpdesk, 'super_admin'), false);
    assert.equal(mayGrantRole(actors.partnerOwner, 'super_admin'), false);
  });

  it("customer roles are the customer's super admins' to grant: not a help-desk admin's, not a partner's", () => {
    assert.equal(mayGrantRole(actors.customerSuperAdmin, 'helpdesk_admin'), true);
    assert.equal(
      mayGrantRole(actors.customerSuperAdmin, 'super_admin'),
      true,
      'policy allows; the service refuses: Google decides',
    );
    assert.equal(mayGrantRole(actors.partnerOwner, 'helpdesk_admin'), false);
    assert.equal(mayGrantRole(actors.partnerAdmin, 'end_user'), false);
    const managers = {
      ...actors.partnerOwner,
      partnerSession: { customerId: 'C1', reason: 'ticket', endsAt: new Date() },
    };
    assert.equal(
      can(managers, 'customer.roles.manage', tenants.customerOwn),
      false,
      'not even inside a partner session',
    );
    for (const actor of [actors.customerHelpdesk, actors.customerEndUser]) {
      assert.equal(can(actor, 'customer.roles.manage', tenants.customerOwn), false);
    }
  });
});

describe('customer roles (PRODUCT.md §1)', () => {
  /** What "settings" means for a customer: every action that changes how the tenant is run. */
  const settingsActions: Action[] = [
    'customer.settings.manage',
    'customer.licenses.manage',
    'customer.roles.manage',
    'customer.transfer_token.manage',
    'customer.partner.remove',
    'customer.partner_access.manage',
    'customer.subscription.manage',
    'customer.delete',
  ];
  const dataActions: Action[] = ['customer.data.browse', 'customer.data.restore', 'customer.data.export'];

  it('a help-desk admin restores and exports for anyone of the tenant, and changes no settings', () => {
    for (const action of dataActions)
      assert.equal(can(actors.customerHelpdesk, action, tenants.customerOwn), true, action);
    assert.doesNotThrow(() => authorizeSubject(actors.customerHelpdesk, 'someone.else@c1.test'));
    for (const action of settingsActions) {
      assert.equal(can(actors.customerHelpdesk, action, tenants.customerOwn), false, action);
    }
    assert.equal(can(actors.customerHelpdesk, 'customer.audit.read', tenants.customerOwn), false);
  });

  it('an end user reaches their own data only, and nothing of the tenant', () => {
    for (const action of [
      ...settingsActions,
      'customer.read',
      'customer.backup.run',
      'customer.audit.read',
    ] as Action[]) {
      assert.equal(can(actors.customerEndUser, action, tenants.customerOwn), false, action);
    }
    assert.throws(() => authorizeSubject(actors.customerEndUser, 'someone.else@c1.test'));
  });

  it("a super admin has every customer action but the installation operator's and the partner's own", () => {
    const notTheirs: Action[] = [
      'customer.subscription.manage',
      'customer.delete',
      'customer.impersonate',
      'customer.alerts.acknowledge',
      'customer.technicians.read',
      'customer.google_project.move',
    ];
    for (const action of actions.filter((name) => name.startsWith('customer.'))) {
      assert.equal(can(actors.customerSuperAdmin, action, tenants.customerOwn), !notTheirs.includes(action), action);
    }
  });
});

describe('invitations', () => {
  // Every (organisation, role) an actor may invite to; everything else is refused.
  const memberRoles = ['admin', 'technician', 'read_only', 'billing'].flatMap((role) => [
    `partnerOwn:${role}`,
    `partnerChild:${role}`,
  ]);
  const allowed: Partial<Record<ActorName, string[]>> = {
    vendorAdmin: ['vendor:admin', 'vendor:support', 'partnerOwn:owner', 'partnerChild:owner', 'partnerOther:owner'],
    partnerOwner: memberRoles,
    partnerAdmin: memberRoles,
  };
  const organisations = ['vendor', 'partnerOwn', 'partnerChild', 'partnerOther', 'customerOwn'] as const;
  const roles = [...new Set([...vendorRoles, ...partnerRoles])];

  it('nobody invites to a role above their own, into another organisation, or into a customer', () => {
    for (const [actorName, actor] of Object.entries(actors) as [ActorName, Actor][]) {
      if (actor.kind === 'system') continue;
      const granted: string[] = [];
      for (const organisation of organisations) {
        for (const role of roles) {
          try {
            authorizeInvitation(actor, tenants[organisation], role);
            granted.push(`${organisation}:${role}`);
          } catch (error) {
            assert.ok(['forbidden', 'not_found'].includes((error as { code?: string }).code ?? ''), String(error));
          }
        }
      }
      assert.deepEqual(granted.sort(), (allowed[actorName] ?? []).sort(), actorName);
    }
  });
});

describe('owner invitations (onboarding)', () => {
  it("the vendor's admins invite any partner's owner; a distributor's owner and admins only their child's", () => {
    const granted = (actor: Actor) =>
      (['partnerOwn', 'partnerChild', 'partnerOther'] as const).filter((name) => {
        try {
          authorizeOwnerInvitation(actor, tenants[name]);
          return true;
        } catch (error) {
          assert.ok(['forbidden', 'not_found'].includes((error as { code?: string }).code ?? ''), String(error));
          return false;
        }
      });
    assert.deepEqual(granted(actors.vendorAdmin), ['partnerOwn', 'partnerChild', 'partnerOther']);
    assert.deepEqual(granted(actors.vendorSupport), []);
    assert.deepEqual(granted(actors.partnerOwner), ['partnerChild']);
    assert.deepEqual(granted(actors.partnerAdmin), ['partnerChild']);
    assert.deepEqual(granted(actors.partnerTechnician), []);
    assert.deepEqual(granted(actors.partnerReadOnly), []);
    assert.deepEqual(granted(actors.partnerBilling), []);
  });
});

describe('customer scope for list queries', () => {
  it('narrows a technician to assigned customers and a partner to its subtree', () => {
    assert.deepEqual(customerScope(actors.partnerTechnician), {
      kind: 'partnerSubtree',
      partnerId: 'P1',
      onlyCustomerIds: ['C1', 'C2', 'C5'],
    });
    assert.deepEqual(customerScope(actors.partnerAdmin), {
      kind: 'partnerSubtree',
      partnerId: 'P1',
      onlyCustomerIds: null,
    });
    assert.deepEqual(customerScope(actors.customerHelpdesk), { kind: 'customer', customerId: 'C1' });
    assert.deepEqual(customerScope(actors.vendorSupport), { kind: 'all' });
  });
});
