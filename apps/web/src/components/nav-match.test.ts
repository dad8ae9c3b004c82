// The navigation marks the section a page belongs to.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { activeNavTarget } from './nav-match.ts';

const nav = ['/customer', '/customer/users', '/customer/shared-drives', '/customer/audit'];

test("a section's own page and the pages under it mark that section", () => {
  assert.equal(activeNavTarget(nav, '/customer/users'), '/customer/users');
  assert.equal(activeNavTarget(nav, '/customer/users/ann@acme.test'), '/customer/users');
  assert.equal(activeNavTarget(nav, '/customer'), '/customer');
});

test('a path that only starts with the same letters is not under a section', () => {
  assert.equal(activeNavTarget(nav, '/customer/users-old'), '/customer');
  assert.equal(activeNavTarget(nav, '/partner'), undefined);
});
