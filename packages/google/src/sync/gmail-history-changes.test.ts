import assert from 'node:assert/strict';
import { test } from 'node:test';
import { historyChanges } from './gmail-history-changes.ts';

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
  assert.deepEqual(changes, { added: ['a', 'd'], labelsChanged: ['c'], deleted: ['b'] });
});
