import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { removeGroupAndOtherAccess } from './file-modes.ts';

describe('removeGroupAndOtherAccess', () => {
  it('takes group and other permissions off every file and directory below, keeping the owner’s', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'safehold-modes-'));
    try {
      const nested = path.join(dir, 'base', '1');
      mkdirSync(nested, { recursive: true });
      const file = path.join(nested, 'PG_VERSION');
      writeFileSync(file, '18');
      chmodSync(file, 0o666);
      chmodSync(nested, 0o755);
      removeGroupAndOtherAccess(dir);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.equal(statSync(nested).mode & 0o777, 0o700);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does nothing, and does not throw, for a directory that is already gone (a database closed after its files were removed)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'safehold-modes-'));
    rmSync(dir, { recursive: true, force: true });
    assert.doesNotThrow(() => removeGroupAndOtherAccess(path.join(dir, 'pglite')));
  });
});
