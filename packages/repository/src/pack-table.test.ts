// The in-memory index's table: ids held as bytes must answer exactly as a map of hex strings
// would — every copy in order, nothing for unknown or malformed ids, through growth and rehashing.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { PackRecord } from './pack.ts';
import { PackTable } from './pack-table.ts';

const randomId = (n: number) => createHash('sha256').update(`blob ${n}`).digest('hex');
const packName = (n: number) => n.toString(16).padStart(32, '0');
const pack = (n: number, ids: string[]): PackRecord => ({
  name: packName(n),
  size: 1000 + n,
  blobs: ids.map((id, i) => ({
    id,
    type: i % 2 === 0 ? 0 : 1,
    offset: i * 100,
    length: 100 + i,
    rawLength: 2 ** 33 + i,
  })),
});

test('every blob of many packs is found at its place, through growth and rehashing', () => {
  const table = new PackTable();
  const packs = Array.from({ length: 50 }, (_, p) =>
    pack(
      p,
      Array.from({ length: 200 }, (_, i) => randomId(p * 200 + i)),
    ),
  );
  for (const record of packs) table.add(record);
  assert.equal(table.size, 50);
  for (const record of packs) {
    for (const blob of record.blobs) {
      assert.deepEqual(table.locations(blob.id), [
        { pack: record.name, type: blob.type, offset: blob.offset, length: blob.length, rawLength: blob.rawLength },
      ]);
    }
  }
  assert.deepEqual([...table.records()], packs);
});

test('ids that share their hashed words (a collision) are told apart by their other bytes', () => {
  // The slot comes from the first and last 4 bytes: these ids differ only in between.
  const a = `${'ab'.repeat(4)}${'00'.repeat(24)}${'cd'.repeat(4)}`;
  const b = `${'ab'.repeat(4)}${'00'.repeat(23)}01${'cd'.repeat(4)}`;
  const c = `${'ab'.repeat(4)}${'11'.repeat(24)}${'cd'.repeat(4)}`;
  const table = new PackTable();
  table.add(pack(1, [a, b]));
  assert.equal(table.locations(a)[0]?.offset, 0);
  assert.equal(table.locations(b)[0]?.offset, 100);
  assert.deepEqual(table.locations(c), []);
});

test('a blob in several packs has every copy, in the order the packs were added; a pack added twice counts once', () => {
  const shared = randomId(1);
  const table = new PackTable();
  table.add(pack(3, [randomId(2), shared]));
  table.add(pack(1, [shared]));
  table.add(pack(3, [randomId(9)]));
  assert.deepEqual(
    table.locations(shared).map((location) => [location.pack, location.offset]),
    [
      [packName(3), 100],
      [packName(1), 0],
    ],
  );
  assert.deepEqual(table.locations(randomId(9)), []);
  assert.deepEqual(
    [...table.records()].map((record) => record.name),
    [packName(3), packName(1)],
  );
});

test('unknown, short, upper-case or non-hex ids find nothing', () => {
  const id = randomId(5);
  const table = new PackTable();
  table.add(pack(1, [id]));
  assert.equal(table.locations(id).length, 1);
  for (const other of [randomId(6), id.slice(0, 62), `${id}00`, id.toUpperCase(), `${id.slice(0, 63)}g`, '']) {
    assert.deepEqual(table.locations(other), [], other);
  }
});

test('without() forgets the named packs and keeps every other copy', () => {
  const shared = randomId(1);
  const table = new PackTable();
  table.add(pack(1, [shared, randomId(2)]));
  table.add(pack(2, [shared, randomId(3)]));
  const rest = table.without(new Set([packName(1)]));
  assert.deepEqual(
    rest.locations(shared).map((location) => location.pack),
    [packName(2)],
  );
  assert.deepEqual(rest.locations(randomId(2)), []);
  assert.equal(rest.locations(randomId(3)).length, 1);
  assert.equal(table.locations(randomId(2)).length, 1, 'the original table is unchanged');
});

test('records are made afresh: changing one does not change the table', () => {
  const id = randomId(1);
  const table = new PackTable();
  table.add(pack(1, [id]));
  const [record] = [...table.records()];
  record!.blobs[0]!.offset = 999;
  record!.blobs.length = 0;
  assert.equal(table.locations(id)[0]?.offset, 0);
  assert.equal([...table.records()][0]?.blobs.length, 1);
});

test('usable() gives the first copy outside the condemned packs, or with anyCopy the first copy', () => {
  const shared = randomId(1);
  const table = new PackTable();
  table.add(pack(1, [shared]));
  table.add(pack(2, [randomId(2), shared]));
  assert.equal(table.usable(shared, new Set(), false)?.pack, packName(1));
  assert.deepEqual(table.usable(shared, new Set([packName(1)]), false), {
    pack: packName(2),
    type: 1,
    offset: 100,
    length: 101,
    rawLength: 2 ** 33 + 1,
  });
  const both = new Set([packName(1), packName(2)]);
  assert.equal(table.usable(shared, both, false), undefined);
  assert.equal(table.usable(shared, both, true)?.pack, packName(1));
  assert.equal(table.usable(randomId(3), new Set(), true), undefined);
  assert.equal(table.usable('not an id', new Set(), true), undefined);
});

test('a malformed id is refused when added (it would be stored as some other id)', () => {
  const table = new PackTable();
  for (const bad of [randomId(1).toUpperCase(), randomId(1).slice(0, 62), `${randomId(1).slice(0, 63)}g`]) {
    assert.throws(() => table.add(pack(1, [randomId(2), bad])), /not a blob id/, bad);
  }
  // Nothing of the refused pack stayed: the same pack, well-formed, is added whole.
  assert.equal(table.size, 0);
  table.add(pack(1, [randomId(2)]));
  assert.equal(table.locations(randomId(2)).length, 1);
});

test('an id in many packs keeps every copy in order', () => {
  const shared = randomId(1);
  const table = new PackTable();
  for (let n = 0; n < 500; n++) table.add(pack(n, [randomId(1000 + n), shared]));
  assert.deepEqual(
    table.locations(shared).map((location) => location.pack),
    Array.from({ length: 500 }, (_, n) => packName(n)),
  );
});
