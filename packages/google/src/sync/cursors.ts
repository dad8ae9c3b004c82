// The incremental-sync rules of each service, in one place, for the backup engine:
// - Gmail: take historyId from the profile BEFORE the full listing, then history.list from it;
//   404 → ResyncRequired.
// - Drive: take the start page token BEFORE the full listing; changes.list until the last page,
//   which alone carries newStartPageToken. One token per user and one per shared drive.
// - Calendar, People: the full listing's last page carries nextSyncToken; an expired token
//   (Calendar 410, People 400 FAILED_PRECONDITION) → ResyncRequired.
import type { CalendarApi, CalendarEvent } from '../apis/calendar.ts';
import type { DriveApi, DriveChange, DriveFile, ListFilesOptions } from '../apis/drive.ts';
import type { GmailApi, HistoryRecord, MessageRef } from '../apis/gmail.ts';
import type { PeopleApi, Person } from '../apis/people.ts';
import { createSyncRun, type SyncRun } from './sync-run.ts';

export interface GmailSync {
  /** Every message id (spam and trash included); the cursor is the historyId read before listing. */
  full(user: string, options?: { q?: string }): Promise<SyncRun<MessageRef>>;
  /** History records since `startHistoryId`; the cursor is the mailbox historyId of the last page. */
  incremental(
    user: string,
    startHistoryId: string,
    options?: { historyTypes?: readonly string[] },
  ): Promise<SyncRun<HistoryRecord>>;
}

export interface DriveSync {
  /** Every file of the user's corpus (or of `driveId`); the cursor is the start page token read before listing. */
  full(user: string, options?: { driveId?: string } & ListFilesOptions): Promise<SyncRun<DriveFile>>;
  /** Changes since `pageToken`; the cursor is the last page's newStartPageToken. */
  incremental(
    user: string,
    pageToken: string,
    options?: { driveId?: string; fileFields?: string },
  ): Promise<SyncRun<DriveChange>>;
}

export interface CalendarSync {
  full(user: string, calendarId: string): Promise<SyncRun<CalendarEvent>>;
  incremental(user: string, calendarId: string, syncToken: string): Promise<SyncRun<CalendarEvent>>;
}

export interface PeopleSync {
  full(user: string, options?: { personFields?: string }): Promise<SyncRun<Person>>;
  incremental(user: string, syncToken: string, options?: { personFields?: string }): Promise<SyncRun<Person>>;
  /** "Other contacts" have their own sync token, with the same rules. */
  fullOther(user: string): Promise<SyncRun<Person>>;
  incrementalOther(user: string, syncToken: string): Promise<SyncRun<Person>>;
}

/** Groups `items` into one page per array so a plain item iterator fits createSyncRun. */
async function* asPages<T>(items: AsyncIterable<T>, size = 500): AsyncGenerator<T[], void, undefined> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  yield batch;
}

export function createGmailSync(gmail: GmailApi): GmailSync {
  return {
    async full(user, options = {}) {
      const { historyId } = await gmail.getProfile(user);
      return createSyncRun({
        operation: 'gmail.messages.list',
        pages: asPages(gmail.listMessages(user, { includeSpamTrash: true, ...(options.q ? { q: options.q } : {}) })),
        items: (page) => page,
        cursorOf: () => historyId,
        cursorField: 'historyId',
      });
    },
    incremental(user, startHistoryId, options = {}) {
      return createSyncRun({
        operation: 'gmail.history.list',
        pages: gmail.listHistory(
          user,
          startHistoryId,
          options.historyTypes ? { historyTypes: options.historyTypes } : {},
        ),
        items: (page) => page.history,
        cursorOf: (last) => last.historyId,
        cursorField: 'historyId',
      });
    },
  };
}

export function createDriveSync(drive: DriveApi): DriveSync {
  return {
    async full(user, options = {}) {
      const startPageToken = await drive.getStartPageToken(user, options.driveId ? { driveId: options.driveId } : {});
      return createSyncRun({
        operation: 'drive.files.list',
        pages: asPages(drive.listFiles(user, options)),
        items: (page) => page,
        cursorOf: () => startPageToken,
        cursorField: 'startPageToken',
      });
    },
    incremental(user, pageToken, options = {}) {
      return createSyncRun({
        operation: 'drive.changes.list',
        pages: drive.listChanges(user, pageToken, options),
        items: (page) => page.changes,
        cursorOf: (last) => last.newStartPageToken,
        cursorField: 'newStartPageToken',
      });
    },
  };
}

export function createCalendarSync(calendar: CalendarApi): CalendarSync {
  const run = (user: string, calendarId: string, syncToken: string | undefined) =>
    createSyncRun({
      operation: 'calendar.events.list',
      pages: calendar.listEvents(user, calendarId, syncToken ? { syncToken } : {}),
      items: (page) => page.items,
      cursorOf: (last) => last.nextSyncToken,
      cursorField: 'nextSyncToken',
    });
  return {
    full: (user, calendarId) => run(user, calendarId, undefined),
    incremental: (user, calendarId, syncToken) => run(user, calendarId, syncToken),
  };
}

export function createPeopleSync(people: PeopleApi): PeopleSync {
  const run = (user: string, syncToken: string | undefined, personFields: string | undefined) =>
    createSyncRun({
      operation: 'people.connections.list',
      pages: people.listConnections(user, {
        ...(syncToken ? { syncToken } : {}),
        ...(personFields ? { personFields } : {}),
      }),
      items: (page) => page.connections,
      cursorOf: (last) => last.nextSyncToken,
      cursorField: 'nextSyncToken',
    });
  const runOther = (user: string, syncToken: string | undefined) =>
    createSyncRun({
      operation: 'people.otherContacts.list',
      pages: people.listOtherContacts(user, syncToken ? { syncToken } : {}),
      items: (page) => page.otherContacts,
      cursorOf: (last) => last.nextSyncToken,
      cursorField: 'nextSyncToken',
    });
  return {
    full: (user, options = {}) => run(user, undefined, options.personFields),
    incremental: (user, syncToken, options = {}) => run(user, syncToken, options.personFields),
    fullOther: (user) => runOther(user, undefined),
    incrementalOther: (user, syncToken) => runOther(user, syncToken),
  };
}
