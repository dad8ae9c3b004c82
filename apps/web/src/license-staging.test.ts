// Staged license changes: kept per user, cancelled by re-staging the current license, counted as seats.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { licenseBatch, seatDelta, stageLicense } from './license-staging.ts';

const ann = { id: 'u1', email: 'ann@acme.test', license: 'none' as const };
const bob = { id: 'u2', email: 'bob@acme.test', license: 'standard' as const };
const cid = { id: 'u3', email: 'cid@acme.test', license: 'archived' as const };

test('staging records each user with the license they hold and the one asked for', () => {
  const staged = stageLicense(new Map(), [ann, bob], 'archived');
  assert.deepEqual(
    [...staged.values()],
    [
      { userId: 'u1', email: 'ann@acme.test', from: 'none', to: 'archived' },
      { userId: 'u2', email: 'bob@acme.test', from: 'standard', to: 'archived' },
    ],
  );
});

test('staging again replaces a pending change, and staging the current license cancels it', () => {
  let staged = stageLicense(new Map(), [ann, bob], 'standard');
  assert.deepEqual([...staged.keys()], ['u1']);
  staged = stageLicense(staged, [ann], 'archived');
  assert.equal(staged.get('u1')?.to, 'archived');
  staged = stageLicense(staged, [ann], 'none');
  assert.equal(staged.size, 0);
});

test('staging leaves the earlier changes of other users (other pages) in place', () => {
  const first = stageLicense(new Map(), [ann], 'standard');
  const second = stageLicense(first, [cid], 'none');
  assert.deepEqual([...second.keys()], ['u1', 'u3']);
  assert.equal(first.size, 1, 'the earlier map is not changed');
});

test('the seat delta counts licenses gained and removed, not changes between license types', () => {
  const staged = stageLicense(stageLicense(new Map(), [ann], 'standard'), [bob], 'archived');
  assert.equal(seatDelta(staged), 1);
  assert.equal(seatDelta(stageLicense(staged, [cid], 'none')), 0);
});

test('the batch names each user by id with the license to hold', () => {
  const staged = stageLicense(stageLicense(new Map(), [ann], 'standard'), [bob], 'none');
  assert.deepEqual(licenseBatch(staged), [
    { userId: 'u1', license: 'standard' },
    { userId: 'u2', license: 'none' },
  ]);
});
