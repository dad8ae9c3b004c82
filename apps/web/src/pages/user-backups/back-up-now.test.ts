// "Back up now" on a user's page: on for a licensed user, off with the reason otherwise.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backUpNowRefusal } from './back-up-now.ts';

const user = { kind: 'user', email: 'ana@example.test' } as const;
const allowed = { mayBackUp: true };

test('a licensed user can be backed up now', () => {
  assert.equal(backUpNowRefusal(allowed, user, 'standard'), null);
});

test('an unlicensed user cannot, and the page says how to fix it', () => {
  assert.equal(
    backUpNowRefusal(allowed, user, 'none'),
    'ana@example.test has no license: assign one in the License Manager to back them up.',
  );
});

test('an archived user is not backed up any more', () => {
  assert.match(backUpNowRefusal(allowed, user, 'archived') ?? '', /Archived license/);
});

test('a viewer who may not start backups sees why, whatever the license', () => {
  assert.equal(backUpNowRefusal({ mayBackUp: false }, user, 'standard'), 'You cannot start backups.');
});

test('a shared drive is backed up with the domain', () => {
  assert.match(
    backUpNowRefusal(allowed, { kind: 'shared_drive', driveId: 'd1', name: 'Finance' }, undefined) ?? '',
    /scheduled backups/,
  );
});
