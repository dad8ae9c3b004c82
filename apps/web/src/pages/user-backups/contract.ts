// What the parts of the per-user backup page (issue 17) agree on: whose backups are shown, the
// services, how a row is identified for selection, and what Restore and Export are asked to do.
// The page (user-backups-view.tsx) owns the state; the panes, the search panel and the dialogs
// receive it through these types.

export const serviceKeys = ['gmail', 'drive', 'calendar', 'contacts'] as const;
export type Service = (typeof serviceKeys)[number];
export const serviceTabs: Record<Service, string> = {
  gmail: 'Mail',
  drive: 'Drive',
  calendar: 'Calendar',
  contacts: 'Contacts',
};

/** Whose backups a page shows: a directory user, or a shared drive (Drive only). */
export type Subject = { kind: 'user'; email: string } | { kind: 'shared_drive'; driveId: string; name: string };

/** How the page is used: by an administrator (any user) or by the end user for their own data. */
export interface Viewer {
  mode: 'admin' | 'self';
  mayRestore: boolean;
  mayExport: boolean;
  mayBackUp: boolean;
  /** Why an action is refused (e.g. "Your administrator turned off exports."), shown in place of it. */
  refusals?: { restore?: string; export?: string };
}

/** One selectable row: an item (message, file, event, contact) at a backup point. */
export interface SelectableItem {
  service: Service;
  sourceId: string;
  itemKey: string;
  version: number;
  /** What the row's checkbox is named after: subject, file name, event title or contact name. */
  title: string;
}

/**
 * What is selected in one service: single items, or a whole label / folder, or a search query,
 * or nothing (= the whole service). Mirrors the restore API's selection (items | label | folder | query);
 * a folder also carries its path ("/Projects/2026"), which is how the restore API names it.
 */
export type Selection =
  | { kind: 'service' }
  | { kind: 'items'; items: SelectableItem[] }
  | { kind: 'label'; labelId: string; name: string }
  | { kind: 'folder'; folderKey: string; name: string; path: string }
  | { kind: 'query'; query: string };

/** What the Restore and Export dialogs receive. `at` is the backup point's time (ISO). */
export interface ActionTarget {
  customerId: string;
  subject: Subject;
  service: Service;
  sourceId: string;
  at: string;
  selection: Selection;
}
