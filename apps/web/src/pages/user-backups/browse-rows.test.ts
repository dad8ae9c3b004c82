// How browsed rows read: Drive kinds and owners, Gmail's label names and order, the Mail tab's
// first label, an event's start and end, backup points in the picker.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setDisplayLocale } from '../../format.ts';
import { defaultLabel, eventWhen, fileType, labelName, ownerLabel, pointLabel, sortLabels } from './browse-rows.ts';

test('a Drive entry’s kind reads as words, never as a MIME type', () => {
  const kind = (mimeType: string | null) => fileType({ isFolder: false, mimeType });
  assert.equal(fileType({ isFolder: true, mimeType: 'application/vnd.google-apps.folder' }), 'Folder');
  assert.equal(kind('application/vnd.google-apps.document'), 'Google Doc');
  assert.equal(kind('application/vnd.google-apps.spreadsheet'), 'Google Sheet');
  assert.equal(kind('application/vnd.google-apps.presentation'), 'Google Slides');
  assert.equal(kind('application/vnd.google-apps.something-new'), 'Google file');
  assert.equal(kind('application/pdf'), 'PDF');
  assert.equal(kind('text/plain; charset=utf-8'), 'Text');
  assert.equal(kind('application/vnd.openxmlformats-officedocument.wordprocessingml.document'), 'Word document');
  assert.equal(kind('image/png'), 'PNG image');
  assert.equal(kind('image/svg+xml'), 'SVG image');
  assert.equal(kind('image/vnd.microsoft.icon'), 'Image');
  assert.equal(kind('video/mp4'), 'Video');
  assert.equal(kind('application/zip'), 'ZIP archive');
  assert.equal(kind('application/x-something-odd'), 'File');
  assert.equal(kind(null), 'File');
});

test('a Drive entry’s owner: "Me" on one’s own page, else the email; a shared drive’s files by the drive', () => {
  assert.equal(ownerLabel('Ana@example.test', { me: 'ana@example.test', driveName: null }), 'Me');
  assert.equal(ownerLabel('bo@example.test', { me: 'ana@example.test', driveName: null }), 'bo@example.test');
  assert.equal(ownerLabel('ana@example.test', { me: null, driveName: null }), 'ana@example.test');
  assert.equal(ownerLabel(null, { me: null, driveName: 'Finance' }), 'Finance');
  assert.equal(ownerLabel(null, { me: null, driveName: null }), '—');
});

test('system labels read as Gmail names them, by id or by name; user labels as named', () => {
  assert.equal(labelName({ id: 'INBOX', name: 'INBOX' }), 'Inbox');
  assert.equal(labelName({ id: 'DRAFT', name: 'DRAFT' }), 'Drafts');
  assert.equal(labelName({ id: 'CATEGORY_PERSONAL', name: 'CATEGORY_PERSONAL' }), 'Categories: Personal');
  assert.equal(labelName({ id: 'Label_7', name: 'Work/Projects' }), 'Work/Projects');
  assert.equal(labelName('SENT'), 'Sent');
  assert.equal(labelName('STARRED'), 'Starred');
  assert.equal(labelName('Receipts'), 'Receipts');
  for (const id of [
    'IMPORTANT',
    'SPAM',
    'TRASH',
    'UNREAD',
    'CATEGORY_SOCIAL',
    'CATEGORY_PROMOTIONS',
    'CATEGORY_UPDATES',
    'CATEGORY_FORUMS',
  ])
    assert.doesNotMatch(labelName(id), /^[A-Z_]+$/, `${id} has a name`);
});

test('labels are listed in Gmail’s order: Inbox to Drafts, the user’s by name, then Spam, Trash and categories', () => {
  const label = (id: string, name = id) => ({ id, name });
  const sorted = sortLabels([
    label('CATEGORY_SOCIAL'),
    label('TRASH'),
    label('Label_2', 'receipts'),
    label('SENT'),
    label('Label_1', 'Family'),
    label('INBOX'),
    label('SPAM'),
  ]);
  assert.deepEqual(
    sorted.map((one) => one.id),
    ['INBOX', 'SENT', 'Label_1', 'Label_2', 'SPAM', 'TRASH', 'CATEGORY_SOCIAL'],
  );
});

test('the Mail tab opens the inbox, else the first label', () => {
  assert.equal(defaultLabel([{ id: 'SENT' }, { id: 'INBOX' }]), 'INBOX');
  assert.equal(defaultLabel([{ id: 'Label_3' }, { id: 'SENT' }]), 'Label_3');
  assert.equal(defaultLabel([]), null);
});

test('an event reads as its dates (all day, the end date exclusive) or its start and end times', () => {
  setDisplayLocale('en-GB');
  try {
    assert.equal(eventWhen({ start: '2026-12-04', end: '2026-12-05', allDay: true }), '4 Dec 2026');
    assert.equal(eventWhen({ start: '2026-12-04', end: '2026-12-07', allDay: true }), '4 Dec 2026 – 6 Dec 2026');
    const start = new Date(2026, 11, 4, 9, 30);
    const sameDay = eventWhen({
      start: start.toISOString(),
      end: new Date(2026, 11, 4, 10, 15).toISOString(),
      allDay: false,
    });
    assert.equal(sameDay, '4 Dec 2026, 09:30 – 10:15');
    const overnight = eventWhen({
      start: start.toISOString(),
      end: new Date(2026, 11, 5, 8, 0).toISOString(),
      allDay: false,
    });
    assert.equal(overnight, '4 Dec 2026, 09:30 – 5 Dec 2026, 08:00');
    assert.equal(
      eventWhen({ start: null, end: null, allDay: false }),
      '—',
      'an event backed up before times were kept',
    );
  } finally {
    setDisplayLocale(undefined);
  }
});

test('a backup point reads as the local date and time, partial ones marked', () => {
  setDisplayLocale('en-GB');
  const at = '2026-12-04T20:41:00Z';
  const plain = pointLabel({ at, status: 'success' });
  assert.match(plain, /4 Dec 2026/);
  assert.equal(pointLabel({ at, status: 'partial' }), `${plain} (partial)`);
  setDisplayLocale(undefined);
});
