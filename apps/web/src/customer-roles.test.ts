// What each customer role opens: landing page, guards, navigation, Access controls, "My backups".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  accessControlsSummary,
  accessOffSentence,
  customerLanding,
  customerNavFor,
  customerRedirect,
  customerRoleOf,
  exportOffSentence,
  mayManageAccessControls,
  mayManageAdministrators,
  mayManageSettings,
  mayOpenCustomerPath,
  selfViewer,
} from './customer-roles.ts';

// The console's list as routes.tsx has it, with the links the per-user pages add.
const nav = [
  { label: 'Dashboard', to: '/customer' },
  { label: 'Users', to: '/customer/users' },
  { label: 'Shared drives', to: '/customer/shared-drives' },
  { label: 'Restores and exports', to: '/customer/restores' },
  { label: 'License Manager', to: '/customer/license-manager' },
  { label: 'Settings', to: '/customer/settings' },
  { label: 'Audit log', to: '/customer/audit' },
];
const myBackups = { label: 'My backups', to: '/customer/my-backups' };
const labels = (items: { label: string }[]) => items.map((item) => item.label);

test('an end user lands on My backups, admins on the Dashboard', () => {
  assert.equal(customerLanding('end_user'), '/customer/my-backups');
  assert.equal(customerLanding('helpdesk_admin'), '/customer');
  assert.equal(customerLanding('super_admin'), '/customer');
});

test("an end user's navigation is My backups alone", () => {
  assert.deepEqual(labels(customerNavFor('end_user', nav, myBackups)), ['My backups']);
});

test('a help-desk admin sees every page but Settings, the License Manager and the audit log', () => {
  assert.deepEqual(labels(customerNavFor('helpdesk_admin', nav, myBackups)), [
    'Dashboard',
    'Users',
    'Shared drives',
    'Restores and exports',
  ]);
});

test('a super admin sees the whole list, in its order', () => {
  assert.deepEqual(labels(customerNavFor('super_admin', nav, myBackups)), labels(nav));
});

test('an end user asking for any other page, a user page or an admin API screen, is sent to My backups', () => {
  for (const path of [
    '/customer',
    '/customer/',
    '/customer/users',
    '/customer/users/ann%40acme.test',
    '/customer/settings',
  ]) {
    assert.equal(customerRedirect('end_user', path), '/customer/my-backups', path);
  }
  assert.equal(customerRedirect('end_user', '/customer/my-backups'), null);
  assert.equal(customerRedirect('end_user', '/customer/my-backups/'), null);
});

test('an end user opens the page of a restore or export (where its notification links), not the list of jobs', () => {
  assert.equal(customerRedirect('end_user', '/customer/restores/5d0c7a52-1f7e-4a57-9c43-0c6f1b8f3f11'), null);
  assert.equal(customerRedirect('end_user', '/customer/exports/5d0c7a52-1f7e-4a57-9c43-0c6f1b8f3f11'), null);
  for (const path of ['/customer/restores', '/customer/restores/', '/customer/exports', '/customer/restores/a/b']) {
    assert.equal(customerRedirect('end_user', path), '/customer/my-backups', path);
  }
});

test('a help-desk admin asking for Settings, the License Manager or the audit log is sent to the Dashboard', () => {
  for (const path of ['/customer/settings', '/customer/license-manager', '/customer/audit', '/customer/settings/']) {
    assert.equal(customerRedirect('helpdesk_admin', path), '/customer', path);
  }
  for (const path of ['/customer', '/customer/users', '/customer/users/ann%40acme.test', '/customer/restores']) {
    assert.equal(customerRedirect('helpdesk_admin', path), null, path);
  }
});

test('a page whose name only begins like an admin page is not taken for it', () => {
  assert.equal(mayOpenCustomerPath('helpdesk_admin', '/customer/settings-help'), true);
  assert.equal(mayOpenCustomerPath('end_user', '/customer/my-backups-of-others'), false);
});

test('a super admin opens everything', () => {
  for (const path of ['/customer', '/customer/settings', '/customer/audit', '/customer/my-backups']) {
    assert.equal(customerRedirect('super_admin', path), null, path);
  }
});

test('a role the customer console does not know counts as an end user', () => {
  assert.equal(customerRoleOf({ role: 'helpdesk_admin' }), 'helpdesk_admin');
  assert.equal(customerRoleOf({ role: 'owner' }), 'end_user');
  assert.equal(customerRoleOf({ role: '' }), 'end_user');
});

test("the Access controls are changed by the customer's super admins and the partner's owner and admins only", () => {
  assert.equal(mayManageAccessControls({ console: 'customer', role: 'super_admin' }), true);
  assert.equal(mayManageAccessControls({ console: 'customer', role: 'helpdesk_admin' }), false);
  assert.equal(mayManageAccessControls({ console: 'customer', role: 'end_user' }), false);
  assert.equal(mayManageAccessControls({ console: 'partner', role: 'owner' }), true);
  assert.equal(mayManageAccessControls({ console: 'partner', role: 'admin' }), true);
  assert.equal(mayManageAccessControls({ console: 'partner', role: 'technician' }), false);
  assert.equal(mayManageAccessControls({ console: 'vendor', role: 'admin' }), false);
});

test('settings (such as which shared drives are protected) are changed by super admins and partner managers, not help-desk admins', () => {
  assert.equal(mayManageSettings({ console: 'customer', role: 'super_admin' }), true);
  assert.equal(mayManageSettings({ console: 'customer', role: 'helpdesk_admin' }), false);
  assert.equal(mayManageSettings({ console: 'customer', role: 'end_user' }), false);
  assert.equal(mayManageSettings({ console: 'partner', role: 'admin' }), true);
  assert.equal(mayManageSettings({ console: 'partner', role: 'technician' }), false);
});

test("Administrators are the customer's super admins' alone: not help-desk admins, not partner staff in a session", () => {
  assert.equal(mayManageAdministrators({ console: 'customer', role: 'super_admin' }), true);
  assert.equal(mayManageAdministrators({ console: 'customer', role: 'super_admin', partnerSession: null }), true);
  assert.equal(mayManageAdministrators({ console: 'customer', role: 'helpdesk_admin' }), false);
  assert.equal(mayManageAdministrators({ console: 'customer', role: 'end_user' }), false);
  // A partner owner in a partner session is shown the console as a super admin (asCustomerConsoleUser).
  const inSession = { customerId: 'c1', consoleRole: 'super_admin' };
  assert.equal(mayManageAdministrators({ console: 'customer', role: 'super_admin', partnerSession: inSession }), false);
  assert.equal(mayManageAdministrators({ console: 'partner', role: 'owner' }), false);
});

test('an end user with both controls on restores and exports their own data, and never backs up', () => {
  assert.deepEqual(selfViewer('end_user', { allowUserAccess: true, allowUserExport: true }), {
    mode: 'self',
    mayRestore: true,
    mayExport: true,
    mayBackUp: false,
  });
});

test('with exports off an end user still restores, and Export gives way to the sentence', () => {
  assert.deepEqual(selfViewer('end_user', { allowUserAccess: true, allowUserExport: false }), {
    mode: 'self',
    mayRestore: true,
    mayExport: false,
    mayBackUp: false,
    refusals: { export: exportOffSentence },
  });
});

test('with access off an end user may do nothing, whatever the export switch says', () => {
  const viewer = selfViewer('end_user', { allowUserAccess: false, allowUserExport: true });
  assert.equal(viewer.mayRestore, false);
  assert.equal(viewer.mayExport, false);
  assert.notEqual(accessOffSentence, exportOffSentence);
});

test('an admin looking at their own backups is not limited by the controls meant for users', () => {
  const viewer = selfViewer('helpdesk_admin', { allowUserAccess: false, allowUserExport: false });
  assert.deepEqual(viewer, { mode: 'self', mayRestore: true, mayExport: true, mayBackUp: false });
});

test('the saved notice says what users may do now', () => {
  assert.equal(
    accessControlsSummary({ allowUserAccess: true, allowUserExport: true }),
    'Users can access their backups and export their data.',
  );
  assert.equal(
    accessControlsSummary({ allowUserAccess: true, allowUserExport: false }),
    'Users can access their backups but not export their data.',
  );
  assert.equal(
    accessControlsSummary({ allowUserAccess: false, allowUserExport: true }),
    'Users cannot access their backups.',
  );
});
