// Where the app sends a visitor for each session state (used by `/` and every route guard).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asCustomerConsoleUser, homePath, type SessionUser } from './identity.ts';

const user = (console: SessionUser['console']): SessionUser => ({
  id: 'u1',
  email: 'someone@example.com',
  name: 'Someone',
  console,
  role: 'admin',
  partnerId: null,
  partnerName: null,
  customerId: null,
  domain: null,
  partnerSession: null,
});

test('a visitor without a session, or halfway through the second step, goes to sign-in', () => {
  assert.equal(homePath({ csrfToken: 't', session: null }), '/sign-in');
  assert.equal(homePath({ csrfToken: 't', session: { stage: 'second_factor', user: user('vendor') } }), '/sign-in');
});

test('a user who still has to enrol an authenticator goes to /enrol', () => {
  assert.equal(
    homePath({ csrfToken: 't', session: { stage: 'enrol_second_factor', user: user('partner') } }),
    '/enrol',
  );
});

test('a signed-in user goes to their own console', () => {
  for (const kind of ['vendor', 'partner', 'customer'] as const) {
    assert.equal(homePath({ csrfToken: 't', session: { stage: 'signed_in', user: user(kind) } }), `/${kind}`);
  }
});

test('a partner user in a partner session goes to the customer console, as the role the server gives', () => {
  const inSession: SessionUser = {
    ...user('partner'),
    role: 'technician',
    partnerId: 'p1',
    partnerName: 'Own IT',
    partnerSession: {
      customerId: 'c1',
      domain: 'acme.test',
      reason: 'ticket 1',
      endsAt: '2026-06-01T10:00:00Z',
      consoleRole: 'helpdesk_admin',
    },
  };
  assert.equal(homePath({ csrfToken: 't', session: { stage: 'signed_in', user: inSession } }), '/customer');
  const seen = asCustomerConsoleUser(inSession);
  assert.deepEqual(
    [seen.console, seen.role, seen.customerId, seen.domain, seen.email],
    ['customer', 'helpdesk_admin', 'c1', 'acme.test', 'someone@example.com'],
  );
  assert.equal(asCustomerConsoleUser(user('partner')).console, 'partner');
});
