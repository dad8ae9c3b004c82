import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ItemVersion } from './item-history.ts';
import { selectionMisfit, selectionPrefilter, selectVersions, type VersionSelection } from './version-selection.ts';

const FOLDER = 'application/vnd.google-apps.folder';

function version(itemKey: string, metadata: Record<string, unknown>): ItemVersion {
  return { itemKey, metadata } as unknown as ItemVersion;
}

async function keys(
  service: 'gmail' | 'drive' | 'calendar',
  versions: ItemVersion[],
  selection: VersionSelection,
): Promise<string[]> {
  async function* all() {
    yield* versions;
  }
  const chosen: string[] = [];
  for await (const one of selectVersions(service, all(), selection)) chosen.push(one.itemKey);
  return chosen;
}

describe('matching a selection against versions (restores and exports alike)', () => {
  const mail = [
    version('m1', { labelIds: ['INBOX', 'Label_7'], labelNames: ['INBOX', 'Work'] }),
    version('m2', { labelIds: ['SENT'], labelNames: ['SENT'] }),
    version('m3', { labelIds: ['Label_7'], labelNames: ['Work'] }),
  ];
  it('a Gmail label matches by name or id in any case, and items narrow it further', async () => {
    assert.deepEqual(await keys('gmail', mail, { label: 'work' }), ['m1', 'm3']);
    assert.deepEqual(await keys('gmail', mail, { label: 'label_7' }), ['m1', 'm3']);
    assert.deepEqual(await keys('gmail', mail, { label: 'inbox' }), ['m1']);
    assert.deepEqual(await keys('gmail', mail, { label: 'Work', items: ['m3', 'm2'] }), ['m3']);
    assert.deepEqual(await keys('gmail', mail, {}), ['m1', 'm2', 'm3']);
  });

  const drive = [
    version('root-a', { mimeType: FOLDER, name: 'A', path: '/', parents: ['root'] }),
    version('sub', { mimeType: FOLDER, name: 'B', path: '/A', parents: ['root-a'] }),
    version('f1', { mimeType: 'text/plain', name: 'f1.txt', path: '/A/B', parents: ['sub'] }),
    version('f2', { mimeType: 'text/plain', name: 'f2.txt', path: '/A', parents: ['root-a'] }),
    version('ab', { mimeType: FOLDER, name: 'AB', path: '/', parents: ['root'] }),
    version('f3', { mimeType: 'text/plain', name: 'f3.txt', path: '/AB', parents: ['ab'] }),
  ];
  it('a Drive folder takes everything under it (not a sibling sharing its prefix), plus its ancestors', async () => {
    assert.deepEqual((await keys('drive', drive, { folder: 'A/' })).sort(), ['f1', 'f2', 'root-a', 'sub']);
    assert.deepEqual((await keys('drive', drive, { folder: '/A/B' })).sort(), ['f1', 'root-a', 'sub']);
    assert.deepEqual(await keys('drive', drive, { folder: '/Nowhere' }), []);
  });

  it('explicit Drive items bring their ancestor folders, so they keep their place in the tree', async () => {
    assert.deepEqual(await keys('drive', drive, { items: ['f1'] }), ['f1', 'sub', 'root-a']);
  });

  it('says which field does not fit the service, and prefilters explicit items in SQL except for Drive', () => {
    assert.equal(selectionMisfit('drive', { label: 'Work' })?.field, 'label');
    assert.equal(selectionMisfit('gmail', { folder: '/A' })?.field, 'folder');
    assert.equal(selectionMisfit('gmail', { label: 'Work' }), null);
    assert.deepEqual(selectionPrefilter('calendar', { items: ['c/e1'] }), { itemKeys: ['c/e1'] });
    assert.equal(selectionPrefilter('drive', { items: ['f1'] }), undefined);
    assert.equal(selectionPrefilter('gmail', { label: 'Work' }), undefined);
  });
});
