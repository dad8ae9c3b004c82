// How browsed rows read (pure, tested beside): a Drive entry's kind and owner in words, Gmail's
// names for its system labels and the order it lists them in, the label a Mail tab opens first,
// an event's start and end, and the text of a backup point in the "Backup point" picker.
import { date, dateTime, none, timeOfDay } from '../../format.ts';

const googleKinds: Record<string, string> = {
  document: 'Google Doc',
  spreadsheet: 'Google Sheet',
  presentation: 'Google Slides',
  form: 'Google Form',
  drawing: 'Google Drawing',
  site: 'Google Site',
  map: 'Google My Map',
  script: 'Apps Script',
  jam: 'Jamboard',
  shortcut: 'Shortcut',
  folder: 'Folder',
};

const exactKinds: Record<string, string> = {
  'application/pdf': 'PDF',
  'application/zip': 'ZIP archive',
  'application/x-zip-compressed': 'ZIP archive',
  'application/gzip': 'Gzip archive',
  'application/json': 'JSON',
  'application/xml': 'XML',
  'application/rtf': 'Rich Text',
  'application/msword': 'Word document',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'Word document',
  'application/vnd.ms-excel': 'Excel spreadsheet',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'Excel spreadsheet',
  'application/vnd.ms-powerpoint': 'PowerPoint presentation',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'PowerPoint presentation',
  'application/vnd.oasis.opendocument.text': 'OpenDocument text',
  'application/vnd.oasis.opendocument.spreadsheet': 'OpenDocument spreadsheet',
  'application/vnd.oasis.opendocument.presentation': 'OpenDocument presentation',
  'text/plain': 'Text',
  'text/csv': 'CSV',
  'text/html': 'HTML',
  'text/markdown': 'Markdown',
  'message/rfc822': 'Email message',
};

const broadKinds: Record<string, string> = {
  image: 'image',
  video: 'Video',
  audio: 'Audio',
  text: 'Text',
  font: 'Font',
};

/** A kind a person reads ("Google Doc", "PDF", "PNG image", "Folder"), never a raw MIME type. */
export function fileType(entry: { isFolder: boolean; mimeType: string | null }): string {
  if (entry.isFolder) return 'Folder';
  const mime = entry.mimeType?.toLowerCase().split(';')[0]?.trim();
  if (!mime) return 'File';
  const google = 'application/vnd.google-apps.';
  if (mime.startsWith(google)) return googleKinds[mime.slice(google.length)] ?? 'Google file';
  const exact = exactKinds[mime];
  if (exact) return exact;
  const [type = '', subtype = ''] = mime.split('/');
  if (type === 'image') {
    const format = subtype.replace(/^(x-|vnd\.)/, '').replace(/\+xml$/, '');
    return format.length > 0 && format.length <= 5 ? `${format.toUpperCase()} image` : 'Image';
  }
  return broadKinds[type] ?? 'File';
}

/**
 * Who owns a Drive entry, as the row shows it: "Me" on a person's own page for what they own,
 * the owner's email otherwise, and the shared drive's name for a shared drive's files (which have
 * no owner but the drive).
 */
export function ownerLabel(owner: string | null, context: { me: string | null; driveName: string | null }): string {
  if (owner === null) return context.driveName ?? none;
  if (context.me !== null && owner.toLowerCase() === context.me.toLowerCase()) return 'Me';
  return owner;
}

/** Gmail's names for its system labels (the API's label names for them are their ids), in Gmail's order. */
const systemLabels: ReadonlyArray<readonly [string, string]> = [
  ['INBOX', 'Inbox'],
  ['STARRED', 'Starred'],
  ['IMPORTANT', 'Important'],
  ['SENT', 'Sent'],
  ['DRAFT', 'Drafts'],
  ['CHAT', 'Chats'],
  ['SPAM', 'Spam'],
  ['TRASH', 'Trash'],
  ['UNREAD', 'Unread'],
  ['CATEGORY_PERSONAL', 'Categories: Personal'],
  ['CATEGORY_SOCIAL', 'Categories: Social'],
  ['CATEGORY_PROMOTIONS', 'Categories: Promotions'],
  ['CATEGORY_UPDATES', 'Categories: Updates'],
  ['CATEGORY_FORUMS', 'Categories: Forums'],
];
const systemLabelNames = new Map(systemLabels);
const systemLabelOrder = new Map(systemLabels.map(([id], index) => [id, index]));

/**
 * A label as Gmail shows it: a system label by its name ("Inbox", "Categories: Social"), a
 * user label as its owner named it. Takes the label's id or, where only names are known (search
 * results), its name: Gmail names system labels by their ids and reserves those names.
 */
export function labelName(label: string | { id: string; name: string }): string {
  if (typeof label === 'string') return systemLabelNames.get(label) ?? label;
  return systemLabelNames.get(label.id) ?? label.name;
}

/** Labels in Gmail's order: the main system labels, the user's labels by name, then the others. */
export function sortLabels<Label extends { id: string; name: string }>(labels: readonly Label[]): Label[] {
  // Inbox … Drafts before the user's labels; Chats, Spam, Trash, Unread and the categories after.
  const rank = (label: Label) => {
    const order = systemLabelOrder.get(label.id);
    if (order === undefined) return [1, 0] as const;
    return order <= 4 ? ([0, order] as const) : ([2, order] as const);
  };
  return [...labels].sort((a, b) => {
    const [groupA, orderA] = rank(a);
    const [groupB, orderB] = rank(b);
    return groupA - groupB || orderA - orderB || a.name.localeCompare(b.name);
  });
}

/** The label opened first: the inbox when there is one, else the first listed. */
export function defaultLabel(labels: { id: string }[]): string | null {
  return labels.find((label) => label.id === 'INBOX')?.id ?? labels[0]?.id ?? null;
}

/** A calendar date ("2026-12-04") as that day at local midnight (not UTC's, which is the day before west of Greenwich). */
function calendarDay(value: string, shiftDays = 0): Date {
  const [year, month, day] = value.split('-').map(Number) as [number, number, number];
  return new Date(year, month - 1, day + shiftDays);
}

const sameDay = (a: Date, b: Date) =>
  a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();

/**
 * When an event is: an all-day event as its dates ("4 Dec 2026", or first – last day: Calendar's
 * end date is the day after), a timed one as start – end (the end's time alone on the same day).
 */
export function eventWhen(event: { start: string | null; end: string | null; allDay: boolean }): string {
  const { start, end } = event;
  if (!start) return none;
  if (event.allDay) {
    const first = calendarDay(start);
    const last = end ? calendarDay(end, -1) : first;
    return last > first ? `${date(first)} – ${date(last)}` : date(first);
  }
  if (!end) return dateTime(start);
  const from = new Date(start);
  const to = new Date(end);
  return `${dateTime(from)} – ${sameDay(from, to) ? timeOfDay(to) : dateTime(to)}`;
}

/** "4 Dec 2026, 20:41", marked when that backup skipped something. */
export function pointLabel(point: { at: string; status: 'success' | 'partial' }): string {
  return `${dateTime(point.at)}${point.status === 'partial' ? ' (partial)' : ''}`;
}
