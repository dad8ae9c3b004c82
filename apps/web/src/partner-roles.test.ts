// What each partner role finds in the Reseller Console's navigation: only the pages the server's
// policy lets it read (Billing: no Alerts; technicians, read-only and Billing: no Partners, Team,
// Integrations or audit log).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mayOpenPartnerPath, partnerNavFor, partnerRoleOf } from './partner-roles.ts';

// The console's list as routes.tsx has it.
const nav = [
  { label: 'Overview', to: '/partner' },
  { label: 'Customers', to: '/partner/customers' },
  { label: 'Partners', to: '/partner/partners' },
  { label: 'Alerts', to: '/partner/alerts' },
  { label: 'Usage and billing', to: '/partner/usage' },
  { label: 'Team', to: '/partner/team' },
  { label: 'Integrations', to: '/partner/integrations' },
  { label: 'Audit log', to: '/partner/audit' },
];
const labels = (role: Parameters<typeof partnerNavFor>[0]) => partnerNavFor(role, nav).map((item) => item.label);

test('owners and admins see every page, in order', () => {
  const all = nav.map((item) => item.label);
  assert.deepEqual(labels('owner'), all);
  assert.deepEqual(labels('admin'), all);
});

test('technicians and read-only members: no Partners, Team, Integrations or Audit log', () => {
  const operating = ['Overview', 'Customers', 'Alerts', 'Usage and billing'];
  assert.deepEqual(labels('technician'), operating);
  assert.deepEqual(labels('read_only'), operating);
});

test('the Billing role: no Alerts either', () => {
  assert.deepEqual(labels('billing'), ['Overview', 'Customers', 'Usage and billing']);
});

test('deeper paths and trailing slashes follow their page; an unknown role counts as read-only', () => {
  assert.equal(mayOpenPartnerPath('billing', '/partner/alerts/'), false);
  assert.equal(mayOpenPartnerPath('technician', '/partner/integrations/webhooks'), false);
  assert.equal(mayOpenPartnerPath('technician', '/partner/customers/abc'), true);
  assert.equal(mayOpenPartnerPath('billing', '/partner/alertsx'), true);
  assert.equal(partnerRoleOf({ role: 'support' }), 'read_only');
  assert.equal(partnerRoleOf({ role: 'billing' }), 'billing');
});
