// "Back up now" on a user's page: on for a licensed user, off with the reason otherwise (whether
// it is shown at all is the viewer's mayBackUp: customer-roles.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backUpNowRefusal } from './back-up-now.ts';

const user = { kind: 'user', email: 'ana@example.test' } as const;

test('a licensed user can be backed up now', () => {
  assert.equal(backUpNowRefusal(user, 'standard'), null);
});

test('an unlicensed user cannot, and the page says how to fix it', () => {
  assert.equal(
    backUpNowRefusal(user, 'none'),
    'ana@example.test has no license: assign one in the License Manager to back them up.',
  );
});

test('an archived user is not backed up any more', () => {
  assert.match(backUpNowRefusal(user, 'archived') ?? '', /Archived license/);
});

test('a shared drive is backed up with the domain', () => {
  assert.match(
    backUpNowRefusal({ kind: 'shared_drive', driveId: 'd1', name: 'Finance' }, undefined) ?? '',
    /scheduled backups/,
  );
});
