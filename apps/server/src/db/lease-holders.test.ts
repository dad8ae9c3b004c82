import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createTestDatabase, databaseKinds } from '../testing/databases.ts';
import { openDatabase } from './database.ts';

it('PGlite: every holder but this process is dead', async () => {
  const database = await createTestDatabase('pglite');
  try {
    const self = await database.leases.self();
    assert.equal(await database.leases.self(), self, 'one id for the life of the process');
    assert.deepEqual([...(await database.leases.dead([self, 'pglite:gone', 'pg:1:2']))].sort(), [
      'pg:1:2',
      'pglite:gone',
    ]);
  } finally {
    await database.close();
  }
});

it('PostgreSQL: a holder is alive while its session lives and dead the moment it ends', {
  skip: !databaseKinds().includes('postgres') && 'TEST_DATABASE_URL is not set',
}, async (t) => {
  const observer = await createTestDatabase('postgres');
  t.after(() => observer.close());
  // Another process, as far as the server can tell: its own pool and session.
  const other = await openDatabase({ kind: 'postgres', url: observer.testUrl as string }, { command: 'test other' });
  let otherClosed = false;
  t.after(() => (otherClosed ? undefined : other.close()));
  const holder = await other.leases.self();
  assert.match(holder, /^pg:\d+:\d+$/);
  const self = await observer.leases.self();
  assert.deepEqual([...(await observer.leases.dead([holder, self]))], [], 'both alive');
  assert.deepEqual([...(await observer.leases.dead(['pglite:elsewhere']))], ['pglite:elsewhere']);

  await other.close();
  otherClosed = true;
  // The server drops the session's lock when the session ends (asynchronously: poll briefly).
  let dead = new Set<string>();
  for (let attempt = 0; attempt < 50 && !dead.has(holder); attempt++) {
    dead = await observer.leases.dead([holder, self]);
    if (!dead.has(holder)) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.deepEqual([...dead], [holder]);
});
