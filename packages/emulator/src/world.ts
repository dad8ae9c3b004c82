// Operations on the emulator's state shared by the API handlers, the control API and the data
// generator: every change goes through here so history records, change logs and sync
// sequence numbers stay consistent.
import { createHash } from 'node:crypto';
import type { Clock } from './clock.ts';
import { estimateGeneratedSize, type ParsedHeaders, parseMessageHeaders, renderGeneratedMail } from './mail-content.ts';
import { EXPORT_FORMATS, GOOGLE_FOLDER, renderExport } from './office-files.ts';
import {
  type Calendar,
  type CalendarEvent,
  type Contact,
  createDriveState,
  createMailbox,
  type Domain,
  type DriveFile,
  type EmulatorState,
  type GeneratedMail,
  type HistoryRecord,
  type MailMessage,
  type User,
} from './state.ts';

export interface Retention {
  /** Gmail history records older than this are dropped; older startHistoryIds get 404. */
  gmailHistoryMs: number;
  /** Calendar sync tokens older than this get 410 fullSyncRequired. */
  calendarSyncTokenMs: number;
  /** People sync tokens older than this get 400 EXPIRED_SYNC_TOKEN (Google: 7 days). */
  peopleSyncTokenMs: number;
}

export const DEFAULT_RETENTION: Retention = {
  gmailHistoryMs: 7 * 24 * 3600_000,
  calendarSyncTokenMs: 30 * 24 * 3600_000,
  peopleSyncTokenMs: 7 * 24 * 3600_000,
};

export interface World {
  state: EmulatorState;
  clock: Clock;
  retention: Retention;
  dirty: boolean;
  markDirty(): void;
  createDomain(name: string): Domain;
  createUser(
    domain: Domain,
    input: { email: string; givenName: string; familyName: string; isAdmin?: boolean; orgUnitPath?: string },
  ): User;
  mailRaw(user: User, message: MailMessage): Buffer;
  insertMessage(
    user: User,
    input: {
      raw?: Buffer;
      /** `raw`'s headers, when the caller has parsed them already (an import). */
      parsed?: ParsedHeaders;
      gen?: GeneratedMail;
      meta?: Partial<MailMessage>;
      labelIds: string[];
      internalDate?: number;
    },
  ): MailMessage;
  modifyMessage(user: User, message: MailMessage, add: string[], remove: string[]): void;
  deleteMessage(user: User, message: MailMessage): void;
  pruneHistory(user: User): void;
  newFileId(domain: Domain): string;
  addFile(
    domain: Domain,
    file: Omit<DriveFile, 'id' | 'version' | 'createdTime' | 'modifiedTime'> & {
      id?: string;
      createdTime?: number;
      modifiedTime?: number;
    },
  ): DriveFile;
  touchFile(domain: Domain, file: DriveFile, changes: Partial<DriveFile>): void;
  removeFile(domain: Domain, file: DriveFile): void;
  fileContent(file: DriveFile): Buffer | undefined;
  /** The file's content a piece at a time (a generated file is never rendered whole). */
  fileContentChunks(file: DriveFile): Iterable<Buffer>;
  fileHashes(file: DriveFile): { md5: string; sha256: string; size: number } | undefined;
  exportFile(file: DriveFile, mimeType: string): Buffer | undefined;
  fileVisibleTo(domain: Domain, file: DriveFile, email: string): boolean;
  upsertEvent(
    user: User,
    calendar: Calendar,
    event: Omit<CalendarEvent, 'seq' | 'created' | 'updated' | 'sequence'> & Partial<CalendarEvent>,
  ): CalendarEvent;
  upsertContact(user: User, contact: Omit<Contact, 'seq' | 'updateTime' | 'deleted'> & Partial<Contact>): Contact;
}

const rawCache = new Map<string, Buffer>();
const RAW_CACHE_LIMIT = 2000;
const RAW_CACHE_MAX_BYTES = 4 * 1024 * 1024;

/** Bytes of generated file content rendered at a time. */
const CONTENT_PIECE = 1024 * 1024;

function sha(data: Buffer | string, algorithm = 'sha256'): string {
  return createHash(algorithm).update(data).digest('hex');
}

export function createWorld(state: EmulatorState, clock: Clock, retention: Retention = DEFAULT_RETENTION): World {
  const world: World = {
    state,
    clock,
    retention,
    dirty: false,
    markDirty() {
      world.dirty = true;
    },
    createDomain(name) {
      const lower = name.toLowerCase();
      const existing = state.domains.get(lower);
      if (existing) return existing;
      const domain: Domain = {
        name: lower,
        customerId: `C0${sha(`${state.seed}/${lower}`).slice(0, 7)}`,
        users: new Map(),
        orgUnits: [
          {
            orgUnitId: `id:${sha(`${lower}/ou/`).slice(0, 8)}`,
            name: lower,
            orgUnitPath: '/',
            parentOrgUnitPath: '',
            description: 'Root',
          },
        ],
        delegation: new Map(),
        drive: createDriveState(),
        nextUserNumber: 1,
      };
      state.domains.set(lower, domain);
      world.markDirty();
      return domain;
    },
    createUser(domain, input) {
      const email = input.email.toLowerCase();
      const existing = domain.users.get(email);
      if (existing) return existing;
      const number = domain.nextUserNumber++;
      const now = clock.now();
      const id = (100000000000000000000n + BigInt(`0x${sha(`${domain.name}/${email}`).slice(0, 15)}`))
        .toString()
        .slice(0, 21);
      const user: User = {
        id,
        primaryEmail: email,
        givenName: input.givenName,
        familyName: input.familyName,
        isAdmin: input.isAdmin ?? false,
        suspended: false,
        archived: false,
        deleted: false,
        orgUnitPath: input.orgUnitPath ?? '/',
        creationTime: now - 400 * 86400_000 + number * 3600_000,
        lastLoginTime: now - number * 60_000,
        rootFolderId: `0A${sha(`${email}/root`).slice(0, 17)}Uk9PVA`,
        mailbox: createMailbox(),
        calendars: new Map(),
        people: { contacts: new Map(), groups: new Map(), changeSeq: 1, nextContactNumber: 1 },
        syncTokensValidAfter: 0,
      };
      user.calendars.set(email, {
        id: email,
        summary: email,
        timeZone: 'Europe/Paris',
        primary: true,
        accessRole: 'owner',
        events: new Map(),
        changeSeq: 1,
        nextEventNumber: 1,
      });
      for (const [name, id] of [
        ['myContacts', 'contactGroups/myContacts'],
        ['starred', 'contactGroups/starred'],
      ] as const) {
        user.people.groups.set(id, { resourceName: id, name, groupType: 'SYSTEM_CONTACT_GROUP', updateTime: now });
      }
      domain.users.set(email, user);
      world.markDirty();
      return user;
    },
    mailRaw(user, message) {
      if (message.raw) return message.raw;
      const gen = message.gen;
      if (!gen) return Buffer.alloc(0);
      const key = `${user.primaryEmail}/${message.id}`;
      const cached = rawCache.get(key);
      if (cached) return cached;
      const raw = renderGeneratedMail(state.seed, message, gen);
      // A large message is rendered again when asked again: a mailbox of gigabytes is never held.
      if (raw.length > RAW_CACHE_MAX_BYTES) return raw;
      if (rawCache.size >= RAW_CACHE_LIMIT) {
        const first = rawCache.keys().next().value;
        if (first !== undefined) rawCache.delete(first);
      }
      rawCache.set(key, raw);
      return raw;
    },
    insertMessage(user, input) {
      const box = user.mailbox;
      const number = box.nextMessageNumber++;
      // 16 hex digits like Gmail's, unique across mailboxes: a per-user prefix and a counter.
      const id = `${sha(user.primaryEmail).slice(0, 6)}${number.toString(16).padStart(10, '0')}`;
      box.historyId += 1 + (number % 7);
      const now = clock.now();
      let message: MailMessage;
      if (input.raw) {
        const parsed = input.parsed ?? parseMessageHeaders(input.raw);
        message = {
          id,
          threadId: id,
          labelIds: new Set(input.labelIds),
          internalDate: input.internalDate ?? parsed.date ?? now,
          historyId: box.historyId,
          from: parsed.from,
          to: [parsed.to, parsed.cc].filter(Boolean).join(', '),
          subject: parsed.subject,
          messageIdHeader: parsed.messageId,
          snippet: parsed.snippet,
          sizeEstimate: input.raw.length,
          raw: input.raw,
        };
        const inReply = parsed.headers.find(([key]) => /^(in-reply-to|references)$/i.test(key))?.[1]?.split(/\s+/)[0];
        const thread = inReply ? box.threadIdsByMessageIdHeader.get(inReply) : undefined;
        if (thread) message.threadId = thread;
      } else {
        const meta = input.meta ?? {};
        message = {
          id,
          threadId: meta.threadId ?? id,
          labelIds: new Set(input.labelIds),
          internalDate: input.internalDate ?? now,
          historyId: box.historyId,
          from: meta.from ?? '',
          to: meta.to ?? '',
          subject: meta.subject ?? '',
          messageIdHeader: meta.messageIdHeader ?? `<${id}@mail.gmail.com>`,
          snippet: meta.snippet ?? '',
          sizeEstimate: input.gen ? estimateGeneratedSize(state.seed, input.gen) : 0,
          gen: input.gen,
        };
        if (input.gen?.inReplyTo) {
          const thread = box.threadIdsByMessageIdHeader.get(input.gen.inReplyTo);
          if (thread) message.threadId = thread;
        }
      }
      if (message.messageIdHeader) box.threadIdsByMessageIdHeader.set(message.messageIdHeader, message.threadId);
      box.messages.set(id, message);
      pushHistory(user, 'messagesAdded', message, []);
      world.markDirty();
      return message;
    },
    modifyMessage(user, message, add, remove) {
      const added = add.filter((label) => !message.labelIds.has(label));
      const removed = remove.filter((label) => message.labelIds.has(label));
      for (const label of added) message.labelIds.add(label);
      for (const label of removed) message.labelIds.delete(label);
      if (added.length) pushHistory(user, 'labelsAdded', message, added);
      if (removed.length) pushHistory(user, 'labelsRemoved', message, removed);
      world.markDirty();
    },
    deleteMessage(user, message) {
      user.mailbox.messages.delete(message.id);
      rawCache.delete(`${user.primaryEmail}/${message.id}`);
      pushHistory(user, 'messagesDeleted', message, []);
      world.markDirty();
    },
    pruneHistory(user) {
      const box = user.mailbox;
      const cutoff = clock.now() - retention.gmailHistoryMs;
      let drop = 0;
      while (drop < box.history.length && (box.history[drop]?.time ?? 0) < cutoff) drop++;
      if (drop > 0) {
        box.oldestHistoryId = (box.history[drop - 1]?.id ?? 0) + 1;
        box.history.splice(0, drop);
      }
    },
    newFileId(domain) {
      const number = domain.drive.nextFileNumber++;
      return `1${Buffer.from(sha(`${state.seed}/${domain.name}/file/${number}`), 'hex')
        .toString('base64url')
        .slice(0, 32)}`;
    },
    addFile(domain, input) {
      const now = clock.now();
      const id = input.id ?? world.newFileId(domain);
      const file: DriveFile = {
        ...input,
        id,
        version: 1,
        createdTime: input.createdTime ?? now,
        modifiedTime: input.modifiedTime ?? now,
        headRevisionId: input.mimeType.startsWith('application/vnd.google-apps')
          ? undefined
          : `0B${sha(`${id}/1`).slice(0, 20)}`,
      };
      domain.drive.files.set(id, file);
      recordChange(domain, file, false);
      return file;
    },
    touchFile(domain, file, changes) {
      Object.assign(file, changes);
      file.version += 1;
      file.modifiedTime = Math.max(clock.now(), file.modifiedTime + 1);
      if ('content' in changes || 'gen' in changes || 'docText' in changes) {
        file.md5 = undefined;
        file.sha256 = undefined;
        file.size = undefined;
        if (!file.mimeType.startsWith('application/vnd.google-apps'))
          file.headRevisionId = `0B${sha(`${file.id}/${file.version}`).slice(0, 20)}`;
      }
      recordChange(domain, file, false);
    },
    removeFile(domain, file) {
      domain.drive.files.delete(file.id);
      recordChange(domain, file, true);
    },
    fileContent(file) {
      if (file.content) return file.content;
      if (file.gen) return Buffer.concat([...world.fileContentChunks(file)]);
      return undefined;
    },
    *fileContentChunks(file) {
      if (file.content) {
        yield file.content;
        return;
      }
      if (!file.gen) return;
      // Deterministic bytes from the seed (xorshift), rendered a piece at a time: a file of
      // gigabytes is served and hashed without ever being held whole.
      let x = Number.parseInt(sha(file.gen.seed).slice(0, 8), 16) >>> 0;
      for (let offset = 0; offset < file.gen.size; offset += CONTENT_PIECE) {
        const bytes = Buffer.allocUnsafe(Math.min(CONTENT_PIECE, file.gen.size - offset));
        for (let i = 0; i < bytes.length; i++) {
          x ^= x << 13;
          x ^= x >>> 17;
          x ^= x << 5;
          bytes[i] = x & 0xff;
        }
        yield bytes;
      }
    },
    fileHashes(file) {
      if (file.mimeType.startsWith('application/vnd.google-apps')) return undefined;
      if (file.md5 && file.sha256 && file.size !== undefined)
        return { md5: file.md5, sha256: file.sha256, size: file.size };
      const md5 = createHash('md5');
      const sha256 = createHash('sha256');
      let size = 0;
      for (const piece of world.fileContentChunks(file)) {
        md5.update(piece);
        sha256.update(piece);
        size += piece.length;
      }
      file.md5 = md5.digest('hex');
      file.sha256 = sha256.digest('hex');
      file.size = size;
      return { md5: file.md5, sha256: file.sha256, size: file.size };
    },
    exportFile(file, mimeType) {
      const formats = EXPORT_FORMATS[file.mimeType];
      if (!formats?.includes(mimeType)) return undefined;
      // A Google file restored by uploading its Office export keeps those bytes as its export.
      if (file.content && mimeType === formats[0]) return file.content;
      return renderExport(file.mimeType, mimeType, file.docText ?? '');
    },
    fileVisibleTo(domain, file, email) {
      if (file.driveId) {
        const drive = domain.drive.drives.get(file.driveId);
        return !!drive?.permissions.some(
          (p) => p.emailAddress === email || (p.type === 'domain' && p.domain === domain.name),
        );
      }
      return file.ownerEmail === email || file.permissions.some((p) => p.emailAddress === email);
    },
    upsertEvent(user, calendar, input) {
      const now = clock.now();
      const existing = calendar.events.get(input.id);
      calendar.changeSeq += 1;
      const event: CalendarEvent = {
        ...existing,
        ...input,
        created: existing?.created ?? input.created ?? now,
        updated: Math.max(now, (existing?.updated ?? 0) + 1),
        sequence: existing ? existing.sequence + 1 : (input.sequence ?? 0),
        seq: calendar.changeSeq,
      } as CalendarEvent;
      calendar.events.set(event.id, event);
      void user;
      world.markDirty();
      return event;
    },
    upsertContact(user, input) {
      const people = user.people;
      const existing = people.contacts.get(input.resourceName);
      people.changeSeq += 1;
      const contact: Contact = {
        ...existing,
        ...input,
        deleted: input.deleted ?? false,
        seq: people.changeSeq,
        updateTime: clock.now(),
      } as Contact;
      people.contacts.set(contact.resourceName, contact);
      world.markDirty();
      return contact;
    },
  };

  function pushHistory(user: User, kind: HistoryRecord['kind'], message: MailMessage, labelIds: string[]): void {
    const box = user.mailbox;
    box.historyId += 1 + (box.history.length % 3);
    message.historyId = box.historyId;
    box.history.push({
      id: box.historyId,
      time: clock.now(),
      kind,
      messageId: message.id,
      threadId: message.threadId,
      labelIds,
      messageLabelIds: [...message.labelIds],
    });
  }

  function recordChange(domain: Domain, file: DriveFile, removed: boolean): void {
    const drive = domain.drive;
    drive.changeSeq += 1;
    const visibleTo = file.driveId
      ? []
      : [file.ownerEmail ?? '', ...file.permissions.map((p) => p.emailAddress ?? '')].filter(Boolean);
    drive.changes.push({
      seq: drive.changeSeq,
      time: clock.now(),
      fileId: file.id,
      driveId: file.driveId,
      removed,
      visibleTo,
    });
    world.markDirty();
  }

  return world;
}

export function isFolder(file: DriveFile): boolean {
  return file.mimeType === GOOGLE_FOLDER;
}
