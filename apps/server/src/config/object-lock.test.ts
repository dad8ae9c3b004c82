// S3 Object Lock configuration (issue 20 item 4): off by default; a mode needs its days and an
// s3:// repository, and bad values stop start-up naming the variable.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from './config.ts';

const s3 = { SAFEHOLD_STORAGE_URL: 's3://backups/safehold', S3_ENDPOINT: 'http://127.0.0.1:9000' };

describe('S3 Object Lock configuration', () => {
  it('is off by default and accepts governance or compliance with days on s3:// storage', () => {
    assert.doesNotThrow(() => loadConfig({}, '/tmp'));
    assert.doesNotThrow(() => loadConfig({ ...s3, S3_OBJECT_LOCK_MODE: 'off' }, '/tmp'));
    assert.doesNotThrow(() =>
      loadConfig({ ...s3, S3_OBJECT_LOCK_MODE: 'governance', S3_OBJECT_LOCK_DAYS: '30' }, '/tmp'),
    );
    assert.doesNotThrow(() =>
      loadConfig({ ...s3, S3_OBJECT_LOCK_MODE: 'compliance', S3_OBJECT_LOCK_DAYS: '365' }, '/tmp'),
    );
  });

  it('refuses a filesystem repository, missing or bad days, and an unknown mode, naming the variable', () => {
    assert.throws(
      () => loadConfig({ S3_OBJECT_LOCK_MODE: 'compliance', S3_OBJECT_LOCK_DAYS: '30' }, '/tmp'),
      /S3_OBJECT_LOCK_MODE=compliance needs SAFEHOLD_STORAGE_URL=s3:\/\/.*filesystem repository cannot lock/,
    );
    assert.throws(
      () =>
        loadConfig(
          { SAFEHOLD_STORAGE_URL: '/srv/repos', S3_OBJECT_LOCK_MODE: 'governance', S3_OBJECT_LOCK_DAYS: '3' },
          '/tmp',
        ),
      /filesystem repository cannot lock/,
    );
    assert.throws(
      () => loadConfig({ ...s3, S3_OBJECT_LOCK_MODE: 'governance' }, '/tmp'),
      /S3_OBJECT_LOCK_DAYS is required/,
    );
    assert.throws(
      () => loadConfig({ ...s3, S3_OBJECT_LOCK_MODE: 'strict', S3_OBJECT_LOCK_DAYS: '3' }, '/tmp'),
      /S3_OBJECT_LOCK_MODE/,
    );
    for (const days of ['0', '1.5', 'ten', '40000']) {
      assert.throws(
        () => loadConfig({ ...s3, S3_OBJECT_LOCK_MODE: 'governance', S3_OBJECT_LOCK_DAYS: days }, '/tmp'),
        /S3_OBJECT_LOCK_DAYS/,
        days,
      );
    }
    assert.throws(() => loadConfig({ ...s3, S3_OBJECT_LOCK_DAYS: '30' }, '/tmp'), /S3_OBJECT_LOCK_MODE is off/);
  });
});
