// How browsed rows read: Drive types, the Mail tab's first label, backup points in the picker.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setDisplayLocale } from '../../format.ts';
import { defaultLabel, fileType, pointLabel } from './browse-rows.ts';

test('a Drive entry’s type reads as words', () => {
  assert.equal(fileType({ isFolder: true, mimeType: 'application/vnd.google-apps.folder' }), 'Folder');
  assert.equal(fileType({ isFolder: false, mimeType: 'application/vnd.google-apps.document' }), 'Google Document');
  assert.equal(fileType({ isFolder: false, mimeType: 'application/pdf' }), 'PDF');
  assert.equal(fileType({ isFolder: false, mimeType: 'text/plain' }), 'text (plain)');
  assert.equal(fileType({ isFolder: false, mimeType: 'application/zip' }), 'zip');
  assert.equal(fileType({ isFolder: false, mimeType: null }), '—');
});

test('the Mail tab opens the inbox, else the first label', () => {
  assert.equal(defaultLabel([{ id: 'SENT' }, { id: 'INBOX' }]), 'INBOX');
  assert.equal(defaultLabel([{ id: 'Label_3' }, { id: 'SENT' }]), 'Label_3');
  assert.equal(defaultLabel([]), null);
});

test('a backup point reads as the local date and time, partial ones marked', () => {
  setDisplayLocale('en-GB');
  const at = '2026-12-04T20:41:00Z';
  const plain = pointLabel({ at, status: 'success' });
  assert.match(plain, /4 Dec 2026/);
  assert.equal(pointLabel({ at, status: 'partial' }), `${plain} (partial)`);
  setDisplayLocale(undefined);
});
