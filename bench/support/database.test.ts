// `--db` of the restore and export benchmarks: PGlite or PostgreSQL, and PostgreSQL only with a
// server to run on; anything else stops the bench with a message naming the option.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { benchDatabase } from './database.ts';

describe('benchDatabase', () => {
  it('takes pglite always and postgres with TEST_DATABASE_URL', () => {
    assert.equal(benchDatabase('pglite', {}), 'pglite');
    assert.equal(benchDatabase('postgres', { TEST_DATABASE_URL: 'postgres://127.0.0.1/x' }), 'postgres');
  });

  it('refuses another name, or postgres without a server, naming what is wrong', () => {
    assert.throws(() => benchDatabase('mysql', {}), /--db: pglite or postgres, not "mysql"/);
    assert.throws(() => benchDatabase(undefined, {}), /--db: pglite or postgres/);
    assert.throws(() => benchDatabase('postgres', {}), /--db postgres needs TEST_DATABASE_URL/);
  });
});
