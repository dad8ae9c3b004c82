import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import type { PackRecord } from '@safehold/repository';
import { sql } from 'drizzle-orm';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { customers } from '../tenancy/tables.ts';
import { createPostgresBlobIndex } from './postgres-blob-index.ts';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

forEachDatabase('PostgreSQL blob index', (kind) => {
  let ctx: TestContext;
  const customerId = randomUUID();
  const otherId = randomUUID();
  before(async () => {
    ctx = await createTestContext(kind);
    await ctx.db.insert(customers).values([
      { id: customerId, domain: 'index.example.com', name: 'Index' },
      { id: otherId, domain: 'other-index.example.com', name: 'Other' },
    ]);
  });
  after(async () => {
    await ctx?.close();
  });

  it('lists every pack in name order with its blobs in offset order, across many packs', async () => {
    const index = createPostgresBlobIndex(ctx.db, customerId);
    // More packs than one listing query covers, blobs added out of order, one pack without blobs.
    const packs: PackRecord[] = Array.from({ length: 234 }, (_, i) => ({
      name: hex(16),
      size: 1000 + i,
      blobs:
        i === 17
          ? []
          : Array.from({ length: 1 + (i % 5) }, (_, j) => ({
              id: hex(32),
              type: (j === 0 ? 1 : 0) as 0 | 1,
              offset: (4 - j) * 100,
              length: 90,
              rawLength: 120 + j,
            })),
    }));
    for (let i = 0; i < packs.length; i += 50) await index.addPacks(packs.slice(i, i + 50));
    // Another tenant's pack must not appear.
    await createPostgresBlobIndex(ctx.db, otherId).addPacks([
      { name: hex(16), size: 1, blobs: [{ id: hex(32), type: 0, offset: 0, length: 1, rawLength: 1 }] },
    ]);

    const listed: PackRecord[] = [];
    for await (const pack of index.packs()) listed.push(pack);
    const expected = [...packs]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((pack) => ({ ...pack, blobs: [...pack.blobs].sort((a, b) => a.offset - b.offset) }));
    assert.deepEqual(listed, expected);

    const [first] = packs;
    const found = await index.lookup([first!.blobs[0]!.id, hex(32)]);
    assert.deepEqual([...found.keys()], [first!.blobs[0]!.id]);
  });

  it('blob ids and pack names are compared bytewise (COLLATE "C"), not through the database collation', async () => {
    const result = await ctx.db.execute(sql`
      select table_name, column_name, collation_name from information_schema.columns
      where (table_name = 'repository_blobs' and column_name in ('blob_id', 'pack'))
        or (table_name = 'repository_packs' and column_name = 'name')
      order by table_name, column_name`);
    assert.deepEqual((result as unknown as { rows: unknown[] }).rows, [
      { table_name: 'repository_blobs', column_name: 'blob_id', collation_name: 'C' },
      { table_name: 'repository_blobs', column_name: 'pack', collation_name: 'C' },
      { table_name: 'repository_packs', column_name: 'name', collation_name: 'C' },
    ]);
  });
});
