// The browse module's public surface (issue 15). It owns reading a tenant's backups as of a
// point in time — sources, backup points, Gmail labels and messages, the Drive tree, calendars
// and events, contacts, one item's details — for the browse API (and bench). It has no tables
// of its own: it reads the backup module's item versions. Others import only this file.
export {
  type ContactSummary,
  calendarEvents,
  calendars,
  contacts,
  type DriveEntry,
  driveChildren,
  driveFolder,
  type EventSummary,
  type FolderInfo,
  gmailLabels,
  gmailMessages,
  type ItemDetails,
  itemDetails,
  type LabelCount,
  listSources,
  type MessageSummary,
  type Page,
  type PageRequest,
} from './browse.ts';
export { type AttachmentContent, messageAttachment, rawMessage } from './mail-message.ts';
export { browseModule } from './routes.ts';
