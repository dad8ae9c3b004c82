// Whose backup the Restore dialog sends, where it goes by default, and when "In place" is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inPlaceRefusal, restoreInto, restoreSource } from './restore-source.ts';

const drive = { kind: 'shared_drive', driveId: '0AbcUk9PVA', name: 'Marketing' } as const;

test('a user is sent by email and restored into themselves by default', () => {
  const source = restoreSource({ kind: 'user', email: 'ann@example.test' }, 'ann@example.test');
  assert.deepEqual(source, {
    kind: 'user',
    key: 'ann@example.test',
    name: 'ann@example.test',
    self: { value: 'ann@example.test', label: 'ann@example.test' },
  });
  assert.deepEqual(restoreInto(source, 'ann@example.test'), { to: 'ann@example.test' });
  assert.deepEqual(restoreInto(source, 'bob@example.test'), { to: 'bob@example.test' });
  assert.equal(inPlaceRefusal(source, 'bob@example.test'), null, 'a user restore goes in place anywhere');
});

test('a shared drive is sent by its id (not the member it was read as) and goes into "This shared drive" by default', () => {
  const source = restoreSource(drive, 'organizer@example.test');
  assert.equal(source.key, '0AbcUk9PVA');
  assert.equal(source.name, 'Marketing');
  assert.deepEqual(source.self, { value: '0AbcUk9PVA', label: 'This shared drive' });
  assert.deepEqual(restoreInto(source, source.key), {}, 'into itself: no `to`');
  assert.equal(inPlaceRefusal(source, source.key), null);
});

test('a shared drive restored into a user goes under "Restored <date>": In place is refused with the reason', () => {
  const source = restoreSource(drive, 'organizer@example.test');
  assert.deepEqual(restoreInto(source, 'bob@example.test'), { to: 'bob@example.test' });
  assert.match(inPlaceRefusal(source, 'bob@example.test') ?? '', /Only into the shared drive itself/);
});
