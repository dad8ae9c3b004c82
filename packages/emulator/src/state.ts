// The emulator's in-memory world: domains, users, delegation, service accounts and every
// user's mail, files, calendars and contacts. Plain data (Maps, Sets, Buffers) so it can be
// snapshotted to a state directory and restored.

export const SCOPE_PREFIX = 'https://www.googleapis.com/auth/';
/** The scopes Safehold asks for (GOOGLE-APIS.md); the emulator pre-grants them to its own service account. */
export const SAFEHOLD_SCOPES: readonly string[] = [
  'admin.directory.user.readonly',
  'admin.directory.orgunit.readonly',
  'gmail.modify',
  'drive',
  'calendar',
  'contacts',
  'contacts.other.readonly',
].map((scope) => SCOPE_PREFIX + scope);

export interface GeneratedMail {
  kind: 'plain' | 'html' | 'inline' | 'attachment' | 'intl' | 'large';
  seed: string;
  bodyBytes: number;
  attachment?: number;
  inReplyTo?: string;
  cc?: string;
}

export interface MailMessage {
  id: string;
  threadId: string;
  labelIds: Set<string>;
  internalDate: number;
  historyId: number;
  from: string;
  to: string;
  subject: string;
  messageIdHeader: string;
  snippet: string;
  sizeEstimate: number;
  /** Stored bytes (imported or mutated messages). */
  raw?: Buffer;
  /** Or a recipe to render the bytes lazily from the seed. */
  gen?: GeneratedMail;
}

export interface MailLabel {
  id: string;
  name: string;
  type: 'system' | 'user';
  messageListVisibility?: string;
  labelListVisibility?: string;
  color?: { textColor?: string; backgroundColor?: string };
}

export interface HistoryRecord {
  id: number;
  time: number;
  kind: 'messagesAdded' | 'messagesDeleted' | 'labelsAdded' | 'labelsRemoved';
  messageId: string;
  threadId: string;
  labelIds: string[];
  /** Labels the message carried at the time of the record. */
  messageLabelIds: string[];
}

export interface Mailbox {
  messages: Map<string, MailMessage>;
  labels: Map<string, MailLabel>;
  history: HistoryRecord[];
  historyId: number;
  /** startHistoryId below this is too old: history.list answers 404. */
  oldestHistoryId: number;
  nextMessageNumber: number;
  nextLabelNumber: number;
  threadIdsByMessageIdHeader: Map<string, string>;
}

export interface DrivePermission {
  id: string;
  type: 'user' | 'group' | 'domain' | 'anyone';
  role: 'owner' | 'organizer' | 'fileOrganizer' | 'writer' | 'commenter' | 'reader';
  emailAddress?: string;
  domain?: string;
  displayName?: string;
}

export interface DriveFile {
  id: string;
  name: string;
  mimeType: string;
  parents: string[];
  driveId?: string;
  ownerEmail?: string;
  trashed: boolean;
  explicitlyTrashed: boolean;
  createdTime: number;
  modifiedTime: number;
  version: number;
  headRevisionId?: string;
  description?: string;
  starred: boolean;
  appProperties: Record<string, string>;
  properties: Record<string, string>;
  content?: Buffer;
  /** Binary content rendered lazily from the seed. */
  gen?: { seed: string; size: number };
  /** Text of a generated Google Doc/Sheet/Slides (exported as an Office file). */
  docText?: string;
  md5?: string;
  sha256?: string;
  size?: number;
  shortcutDetails?: { targetId: string; targetMimeType: string };
  permissions: DrivePermission[];
}

export interface DriveChange {
  seq: number;
  time: number;
  fileId?: string;
  driveId?: string;
  removed: boolean;
  /** Users who could see the file at the time (for removed files). */
  visibleTo: string[];
}

export interface SharedDrive {
  id: string;
  name: string;
  createdTime: number;
  hidden: boolean;
  permissions: DrivePermission[];
}

export interface DriveState {
  files: Map<string, DriveFile>;
  drives: Map<string, SharedDrive>;
  changes: DriveChange[];
  changeSeq: number;
  nextFileNumber: number;
}

export interface CalendarEvent {
  id: string;
  iCalUID: string;
  summary?: string;
  description?: string;
  location?: string;
  start: { dateTime?: string; date?: string; timeZone?: string };
  end: { dateTime?: string; date?: string; timeZone?: string };
  recurrence?: string[];
  recurringEventId?: string;
  originalStartTime?: { dateTime?: string; date?: string; timeZone?: string };
  status: 'confirmed' | 'tentative' | 'cancelled';
  attendees?: { email: string; responseStatus?: string; displayName?: string; organizer?: boolean }[];
  organizer?: { email: string; self?: boolean };
  created: number;
  updated: number;
  sequence: number;
  seq: number;
  transparency?: string;
  visibility?: string;
}

export interface Calendar {
  id: string;
  summary: string;
  description?: string;
  timeZone: string;
  primary: boolean;
  accessRole: 'owner' | 'writer' | 'reader';
  events: Map<string, CalendarEvent>;
  changeSeq: number;
  nextEventNumber: number;
}

export interface Contact {
  resourceName: string;
  names?: { givenName?: string; familyName?: string; displayName?: string }[];
  emailAddresses?: { value: string; type?: string }[];
  phoneNumbers?: { value: string; type?: string }[];
  organizations?: { name?: string; title?: string }[];
  biographies?: { value: string; contentType?: string }[];
  addresses?: { formattedValue?: string; type?: string }[];
  birthdays?: { date?: { year?: number; month?: number; day?: number }; text?: string }[];
  /** Key/value pairs an application keeps on the contact (a restore's marker), not shown to users. */
  clientData?: { key: string; value: string }[];
  memberships: string[];
  deleted: boolean;
  seq: number;
  updateTime: number;
}

export interface ContactGroup {
  resourceName: string;
  name: string;
  groupType: 'USER_CONTACT_GROUP' | 'SYSTEM_CONTACT_GROUP';
  updateTime: number;
}

export interface PeopleState {
  contacts: Map<string, Contact>;
  groups: Map<string, ContactGroup>;
  changeSeq: number;
  nextContactNumber: number;
}

export interface User {
  id: string;
  primaryEmail: string;
  givenName: string;
  familyName: string;
  isAdmin: boolean;
  suspended: boolean;
  archived: boolean;
  deleted: boolean;
  orgUnitPath: string;
  creationTime: number;
  lastLoginTime: number;
  deletionTime?: number;
  rootFolderId: string;
  mailbox: Mailbox;
  calendars: Map<string, Calendar>;
  people: PeopleState;
  /** Sync tokens (Calendar and People) issued before this time are expired. */
  syncTokensValidAfter: number;
}

export interface OrgUnit {
  orgUnitId: string;
  name: string;
  orgUnitPath: string;
  parentOrgUnitPath: string;
  description: string;
}

export interface Domain {
  name: string;
  customerId: string;
  users: Map<string, User>;
  orgUnits: OrgUnit[];
  /** Domain-wide delegation: OAuth client id → granted scopes. */
  delegation: Map<string, Set<string>>;
  drive: DriveState;
  nextUserNumber: number;
}

export interface ServiceAccount {
  clientEmail: string;
  clientId: string;
  projectId: string;
  privateKeyId: string;
  publicKeyPem: string;
}

export interface EmulatorState {
  seed: string;
  domains: Map<string, Domain>;
  serviceAccounts: Map<string, ServiceAccount>;
  clockOffsetMs: number;
}

export function createEmptyState(seed: string): EmulatorState {
  return { seed, domains: new Map(), serviceAccounts: new Map(), clockOffsetMs: 0 };
}

export const SYSTEM_LABELS: readonly string[] = [
  'INBOX',
  'SENT',
  'DRAFT',
  'TRASH',
  'SPAM',
  'IMPORTANT',
  'STARRED',
  'UNREAD',
  'CHAT',
  'CATEGORY_PERSONAL',
  'CATEGORY_SOCIAL',
  'CATEGORY_PROMOTIONS',
  'CATEGORY_UPDATES',
  'CATEGORY_FORUMS',
];

export function createMailbox(): Mailbox {
  const labels = new Map<string, MailLabel>();
  for (const id of SYSTEM_LABELS) labels.set(id, { id, name: id, type: 'system' });
  return {
    messages: new Map(),
    labels,
    history: [],
    historyId: 1000,
    oldestHistoryId: 0,
    nextMessageNumber: 1,
    nextLabelNumber: 1,
    threadIdsByMessageIdHeader: new Map(),
  };
}

export function createDriveState(): DriveState {
  return { files: new Map(), drives: new Map(), changes: [], changeSeq: 1, nextFileNumber: 1 };
}

export function findUser(state: EmulatorState, email: string): { domain: Domain; user: User } | undefined {
  const lower = email.toLowerCase();
  const at = lower.lastIndexOf('@');
  const domain = state.domains.get(lower.slice(at + 1));
  const user = domain?.users.get(lower);
  return domain && user ? { domain, user } : undefined;
}

export function findUserById(domain: Domain, key: string): User | undefined {
  const lower = key.toLowerCase();
  const byEmail = domain.users.get(lower);
  if (byEmail) return byEmail;
  for (const user of domain.users.values()) if (user.id === key) return user;
  return undefined;
}

// Snapshots: Maps, Sets and Buffers are tagged so a JSON round trip restores them.
export function serializeState(state: EmulatorState): string {
  return JSON.stringify(state, function replace(this: Record<string, unknown>, key: string, value: unknown) {
    const original = this[key];
    if (Buffer.isBuffer(original)) return { $buf: original.toString('base64') };
    if (original instanceof Map) return { $map: [...original.entries()] };
    if (original instanceof Set) return { $set: [...original] };
    return value;
  });
}

export function deserializeState(text: string): EmulatorState {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const record = value as Record<string, unknown>;
      if (typeof record.$buf === 'string') return Buffer.from(record.$buf, 'base64');
      if (Array.isArray(record.$map)) return new Map(record.$map as [unknown, unknown][]);
      if (Array.isArray(record.$set)) return new Set(record.$set as unknown[]);
    }
    return value;
  }) as EmulatorState;
}
