// Reduces Gmail history records to what a backup run must do per message: fetch it (new), apply
// its label changes (metadata only: the content of a message never changes) or mark it deleted.
// Records are applied in order, so a message added and then deleted within the window ends up
// deleted, and one deleted then "added" again (undeleted by a restore) ends up fetched.
import type { HistoryRecord } from '../apis/gmail.ts';

/** One label change of a message, as history records it: labels added or removed. */
export interface LabelChange {
  added: readonly string[];
  removed: readonly string[];
}

export interface HistoryChanges {
  /** Messages to fetch: added since the cursor. */
  added: string[];
  /** Messages whose labels changed (metadata only: the content of a message never changes). */
  labelsChanged: string[];
  /** Messages gone from the mailbox. */
  deleted: string[];
  /**
   * For each id of `labelsChanged`: its label changes in history order and the id of the last
   * record that changed it. Applied in order to any label set the message had at or after the
   * cursor, they give its labels at the end of the history (each label ends as its last change
   * left it), so a backup needs no request per relabelled message.
   */
  labelChanges: Map<string, { changes: LabelChange[]; historyId: string }>;
}

export function historyChanges(records: Iterable<HistoryRecord>): HistoryChanges {
  const state = new Map<string, 'added' | 'labels' | 'deleted'>();
  const labelChanges = new Map<string, { changes: LabelChange[]; historyId: string }>();
  const noteLabels = (id: string, historyId: string, change: LabelChange) => {
    const entry = labelChanges.get(id);
    if (entry) {
      entry.changes.push(change);
      entry.historyId = historyId;
    } else labelChanges.set(id, { changes: [change], historyId });
  };
  for (const record of records) {
    for (const { message } of record.messagesAdded ?? []) state.set(message.id, 'added');
    for (const { message, labelIds } of record.labelsAdded ?? []) {
      if (!state.has(message.id)) state.set(message.id, 'labels');
      noteLabels(message.id, record.id, { added: labelIds, removed: [] });
    }
    for (const { message, labelIds } of record.labelsRemoved ?? []) {
      if (!state.has(message.id)) state.set(message.id, 'labels');
      noteLabels(message.id, record.id, { added: [], removed: labelIds });
    }
    for (const { message } of record.messagesDeleted ?? []) state.set(message.id, 'deleted');
  }
  const changes: HistoryChanges = { added: [], labelsChanged: [], deleted: [], labelChanges: new Map() };
  for (const [id, kind] of state) {
    if (kind === 'added') changes.added.push(id);
    else if (kind === 'labels') {
      changes.labelsChanged.push(id);
      changes.labelChanges.set(id, labelChanges.get(id) as { changes: LabelChange[]; historyId: string });
    } else changes.deleted.push(id);
  }
  return changes;
}

/** A message's labels after its history changes, from labels it had at or after the cursor. */
export function applyLabelChanges(labels: Iterable<string>, changes: readonly LabelChange[]): string[] {
  const set = new Set(labels);
  for (const change of changes) {
    for (const label of change.added) set.add(label);
    for (const label of change.removed) set.delete(label);
  }
  return [...set];
}
