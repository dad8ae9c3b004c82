import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyLabelChanges, historyChanges } from './gmail-history-changes.ts';

const ref = (id: string) => ({ message: { id, threadId: 't' } });

test('history records reduce to messages to fetch, label changes and deletions, applied in order', () => {
  const changes = historyChanges([
    { id: '1', messagesAdded: [ref('a'), ref('b')] },
    {
      id: '2',
      labelsAdded: [{ ...ref('c'), labelIds: ['STARRED'] }],
      labelsRemoved: [{ ...ref('a'), labelIds: ['UNREAD'] }],
    },
    { id: '3', messagesDeleted: [ref('b'), ref('d')] },
    { id: '4', messagesAdded: [ref('d')] },
  ]);
  assert.deepEqual(changes.added, ['a', 'd']);
  assert.deepEqual(changes.labelsChanged, ['c']);
  assert.deepEqual(changes.deleted, ['b']);
  assert.deepEqual(
    [...changes.labelChanges],
    [['c', { changes: [{ added: ['STARRED'], removed: [] }], historyId: '2' }]],
  );
});

test('label changes apply in order to any label set the message had at or after the cursor', () => {
  const changes = historyChanges([
    { id: '5', labelsAdded: [{ ...ref('m'), labelIds: ['STARRED', 'Label_1'] }] },
    { id: '6', labelsRemoved: [{ ...ref('m'), labelIds: ['UNREAD', 'STARRED'] }] },
    { id: '7', labelsAdded: [{ ...ref('m'), labelIds: ['STARRED'] }] },
  ]);
  const entry = changes.labelChanges.get('m');
  assert.equal(entry?.historyId, '7');
  const steps = entry?.changes ?? [];
  // Labels as stored at the cursor, or fetched after some of the changes: the same end state.
  assert.deepEqual(applyLabelChanges(['INBOX', 'UNREAD'], steps).sort(), ['INBOX', 'Label_1', 'STARRED']);
  assert.deepEqual(applyLabelChanges(['INBOX', 'Label_1'], steps).sort(), ['INBOX', 'Label_1', 'STARRED']);
  assert.deepEqual(applyLabelChanges(['INBOX', 'Label_1', 'STARRED'], steps).sort(), ['INBOX', 'Label_1', 'STARRED']);
});
