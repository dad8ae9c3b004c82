// Reduces Gmail history records to what a backup run must do per message: fetch it (new, or its
// labels changed) or mark it deleted. Records are applied in order, so a message added and then
// deleted within the window ends up deleted, and one deleted then "added" again (undeleted by a
// restore) ends up fetched.
import type { HistoryRecord } from '../apis/gmail.ts';

export interface HistoryChanges {
  /** Messages to fetch: added since the cursor. */
  added: string[];
  /** Messages whose labels changed (metadata only: the content of a message never changes). */
  labelsChanged: string[];
  /** Messages gone from the mailbox. */
  deleted: string[];
}

export function historyChanges(records: Iterable<HistoryRecord>): HistoryChanges {
  const state = new Map<string, 'added' | 'labels' | 'deleted'>();
  for (const record of records) {
    for (const { message } of record.messagesAdded ?? []) state.set(message.id, 'added');
    for (const { message } of [...(record.labelsAdded ?? []), ...(record.labelsRemoved ?? [])]) {
      if (!state.has(message.id)) state.set(message.id, 'labels');
    }
    for (const { message } of record.messagesDeleted ?? []) state.set(message.id, 'deleted');
  }
  const changes: HistoryChanges = { added: [], labelsChanged: [], deleted: [] };
  for (const [id, kind] of state) {
    if (kind === 'added') changes.added.push(id);
    else if (kind === 'labels') changes.labelsChanged.push(id);
    else changes.deleted.push(id);
  }
  return changes;
}
