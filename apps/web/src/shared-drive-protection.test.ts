// Optimistic protection changes touch only what was asked and leave the snapshot as it was.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withDriveProtection, withProtectNew } from './shared-drive-protection.ts';

const page = {
  drives: [
    { driveId: 'd1', name: 'Finance', protected: false },
    { driveId: 'd2', name: 'Legal', protected: true },
  ],
  total: 2,
  protectNew: false,
};

test('protecting a drive changes that drive only, and not the snapshot it came from', () => {
  const next = withDriveProtection(page, 'd1', true);
  assert.deepEqual(
    next.drives.map((drive) => [drive.driveId, drive.protected]),
    [
      ['d1', true],
      ['d2', true],
    ],
  );
  assert.equal(next.total, 2);
  assert.equal(page.drives[0]?.protected, false);
});

test('an unknown drive changes nothing', () => {
  assert.deepEqual(withDriveProtection(page, 'gone', true).drives, page.drives);
});

test('"protect all new shared drives" is set on a copy', () => {
  assert.equal(withProtectNew(page, true).protectNew, true);
  assert.equal(page.protectNew, false);
});
