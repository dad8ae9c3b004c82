// The control surface tests and demos use: the same operations on the object returned by
// startEmulator() and over HTTP under /_emulator/ (JSON bodies, see docs/emulator.md).
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { TokenRegistry } from './auth.ts';
import { type ContentDigest, contentDigest, type DigestService, sharedDriveDigest } from './content-digest.ts';
import { type GenerateOptions, generateDomain } from './data-generator.ts';
import { googleError, json, parseJsonBody, type Reply } from './http-reply.ts';
import { encodeHeaderWord } from './mail-content.ts';
import { GOOGLE_DOC } from './office-files.ts';
import type {
  CallRecord,
  CounterEntry,
  FaultRule,
  FaultTally,
  Governor,
  ProjectLimits,
  QuotaSettings,
  UsagePeak,
} from './quotas-and-faults.ts';
import type { ApiName, Route } from './router.ts';
import { createSeededRandom } from './seeded-random.ts';
import type { ServiceAccountKeyFile } from './service-account.ts';
import { type Domain, findUser, SAFEHOLD_SCOPES, type User } from './state.ts';
import type { World } from './world.ts';

export interface DemoAccount {
  email: string;
  name: string;
  isAdmin: boolean;
}

export interface EmulatorControl {
  serviceAccountKey(): ServiceAccountKeyFile;
  /**
   * Another service account, in a Cloud project of its own (a service with several projects,
   * issue 20): the same `name` gives the same key (derived from the seed). Domains listed in
   * `grantDelegationTo` authorise its client id for Safehold's scopes.
   */
  createServiceAccount(input: { name: string; grantDelegationTo?: string[] }): ServiceAccountKeyFile;
  /** Per-minute and per-day limits of one project (its project_id); a spent one is answered as Google does. */
  setProjectQuotas(input: {
    project: string;
    unitsPerMinute?: Partial<Record<ApiName, number | null>>;
    unitsPerDay?: Partial<Record<ApiName, number | null>>;
  }): ProjectLimits;
  /** Units each project spent per API today and in the current minute (emulated clock). */
  projectUsage(): Array<{ project: string; api: ApiName; unitsToday: number; unitsThisMinute: number }>;
  /** Creates a domain; with users > 0 it is filled with generated data. Delegation for the emulator's service account is pre-granted unless grantDelegation is false. */
  createDomain(input: {
    domain: string;
    users?: number;
    generate?: Omit<GenerateOptions, 'domain' | 'users'>;
    grantDelegation?: boolean;
  }): { domain: string; users: string[] };
  createUser(input: {
    email: string;
    givenName?: string;
    familyName?: string;
    isAdmin?: boolean;
    orgUnitPath?: string;
  }): { email: string; id: string };
  listAccounts(domain?: string): DemoAccount[];
  grantDelegation(input: { domain: string; clientId?: string; scopes?: string[] }): void;
  revokeDelegation(input: { domain: string; clientId?: string; scopes?: string[] }): void;
  suspendUser(input: { email: string; suspended?: boolean }): void;
  /** Makes a user a super admin of their domain, or demotes them (`isAdmin: false`). */
  setAdmin(input: { email: string; isAdmin: boolean }): void;
  deleteUser(input: { email: string }): void;
  advanceClock(input: { ms: number }): { now: string };
  now(): string;
  /** Makes every Calendar/People sync token issued so far expire, and Gmail history before now too old. */
  expireCursors(input: { email: string }): void;
  setFaults(rules: FaultRule[]): void;
  setQuotas(settings: Partial<QuotaSettings>): QuotaSettings;
  counters(input?: { reset?: boolean }): CounterEntry[];
  /** Units per (user, API) and (project, API) in the busiest 60 seconds since counters were last reset. */
  usagePeaks(): UsagePeak[];
  /** Every call since counters were last reset: when, whose, and the status it was refused with. */
  requestLog(): CallRecord[];
  /** Faults acted out per endpoint and kind since counters were last reset. */
  faultsInjected(): FaultTally[];
  /** Content digest of a user's service; `detail` adds each item's digest with a label (to find what differs). */
  digest(input: { email: string; service: DigestService; detail?: boolean }): ContentDigest;
  // Mutations
  addMessage(input: {
    email: string;
    raw?: string;
    subject?: string;
    from?: string;
    body?: string;
    labelIds?: string[];
  }): { id: string; threadId: string };
  /** `count` generated messages of about `bytes` each (one large attachment): a mailbox of gigabytes. */
  addLargeMessages(input: { email: string; count: number; bytes: number }): { ids: string[] };
  deleteMessage(input: { email: string; id: string }): void;
  relabelMessage(input: { email: string; id: string; add?: string[]; remove?: string[] }): void;
  createFile(input: {
    email: string;
    name: string;
    mimeType?: string;
    content?: string;
    docText?: string;
    parentId?: string;
    /** Content of this many bytes generated from the seed instead (a large file, served as a stream). */
    generatedBytes?: number;
  }): { id: string };
  editFile(input: { email: string; id: string; content?: string; docText?: string }): void;
  renameFile(input: { email: string; id: string; name: string }): void;
  trashFile(input: { email: string; id: string; trashed?: boolean }): void;
  deleteFile(input: { email: string; id: string }): void;
  /** Rewrites every file the user owns with random bytes and renames it *.locked (ransomware). */
  ransomware(input: { email: string }): { files: number };
  changeEvent(input: { email: string; id?: string; summary?: string; description?: string; delete?: boolean }): {
    id: string;
  };
  /** Random everyday activity for a user (new, relabelled and deleted mail; edited, renamed and trashed files; changed events and contacts), deterministic from the seed. Returns counts per kind. */
  simulateActivity(input: { email: string; changes?: number }): Record<string, number>;
  changeContact(input: {
    email: string;
    resourceName?: string;
    givenName?: string;
    familyName?: string;
    email_?: string;
    delete?: boolean;
  }): { resourceName: string };
  /**
   * Deletes everything of a user, as a disaster would (for restore tests): every message, every
   * file the user owns (the My Drive root stays), every event of every calendar (cancelled, as
   * Calendar does), every contact. Returns how many of each.
   */
  wipeUser(input: { email: string }): { messages: number; files: number; events: number; contacts: number };
  /** Content digest of a shared drive's files (as `digest` of a user's Drive; `user` is the drive id). */
  digestSharedDrive(input: { driveId: string; detail?: boolean }): ContentDigest;
  /** Deletes every file and folder of a shared drive; the drive and its members stay. Returns how many. */
  wipeSharedDrive(input: { driveId: string }): { files: number };
  /** Deletes a shared drive with everything in it, as an organizer would. */
  deleteSharedDrive(input: { driveId: string }): void;
}

export function createControl(deps: {
  world: World;
  governor: Governor;
  tokens: TokenRegistry;
  serviceAccount: () => ServiceAccountKeyFile;
  addServiceAccount: (name: string) => ServiceAccountKeyFile;
  defaultClientId: string;
}): EmulatorControl {
  const { world, governor, tokens } = deps;
  let activityRuns = 0;

  function need(email: string): { domain: Domain; user: User } {
    const found = findUser(world.state, email);
    if (!found) throw new ControlError(404, `Unknown user: ${email}`);
    return found;
  }
  function needDomain(name: string): Domain {
    const domain = world.state.domains.get(name.toLowerCase());
    if (!domain) throw new ControlError(404, `Unknown domain: ${name}`);
    return domain;
  }
  function needDrive(driveId: string): Domain {
    for (const domain of world.state.domains.values()) if (domain.drive.drives.has(driveId)) return domain;
    throw new ControlError(404, `Unknown shared drive: ${driveId}`);
  }
  function wipeDriveFiles(domain: Domain, driveId: string): number {
    let files = 0;
    for (const file of [...domain.drive.files.values()]) {
      if (file.driveId !== driveId) continue;
      world.removeFile(domain, file);
      files++;
    }
    return files;
  }
  function needFile(domain: Domain, id: string) {
    const file = domain.drive.files.get(id);
    if (!file) throw new ControlError(404, `Unknown file: ${id}`);
    return file;
  }

  const control: EmulatorControl = {
    serviceAccountKey: deps.serviceAccount,
    createServiceAccount(input) {
      if (typeof input?.name !== 'string' || !/^[a-z0-9-]{1,40}$/.test(input.name)) {
        throw new ControlError(400, 'name must be 1-40 characters among a-z, 0-9 and -');
      }
      const key = deps.addServiceAccount(input.name);
      for (const domain of input.grantDelegationTo ?? []) control.grantDelegation({ domain, clientId: key.client_id });
      return key;
    },
    setProjectQuotas: (input) => governor.setProjectQuotas(input),
    projectUsage: () => governor.projectUsage(),
    createDomain(input) {
      const delegation = input.grantDelegation === false ? {} : { [deps.defaultClientId]: SAFEHOLD_SCOPES };
      const domain =
        (input.users ?? 0) > 0
          ? generateDomain(world, { ...input.generate, domain: input.domain, users: input.users ?? 0, delegation })
          : world.createDomain(input.domain);
      if ((input.users ?? 0) === 0)
        for (const [clientId, scopes] of Object.entries(delegation)) domain.delegation.set(clientId, new Set(scopes));
      return { domain: domain.name, users: [...domain.users.keys()] };
    },
    createUser(input) {
      const email = input.email.toLowerCase();
      const domain = needDomain(email.split('@')[1] ?? '');
      const [local = 'user'] = email.split('@');
      const [first = local, last = ''] = local.split('.');
      const user = world.createUser(domain, {
        email,
        givenName: input.givenName ?? first.charAt(0).toUpperCase() + first.slice(1),
        familyName: input.familyName ?? last.charAt(0).toUpperCase() + last.slice(1),
        isAdmin: input.isAdmin,
        orgUnitPath: input.orgUnitPath,
      });
      return { email: user.primaryEmail, id: user.id };
    },
    listAccounts(domainName) {
      const domains = domainName ? [needDomain(domainName)] : [...world.state.domains.values()];
      return domains.flatMap((d) =>
        [...d.users.values()]
          .filter((u) => !u.deleted && !u.suspended)
          .map((u) => ({ email: u.primaryEmail, name: `${u.givenName} ${u.familyName}`, isAdmin: u.isAdmin })),
      );
    },
    grantDelegation(input) {
      const domain = needDomain(input.domain);
      const clientId = input.clientId ?? deps.defaultClientId;
      const set = domain.delegation.get(clientId) ?? new Set<string>();
      for (const scope of input.scopes ?? SAFEHOLD_SCOPES) set.add(scope);
      domain.delegation.set(clientId, set);
      world.markDirty();
    },
    revokeDelegation(input) {
      const domain = needDomain(input.domain);
      const clientId = input.clientId ?? deps.defaultClientId;
      if (!input.scopes) domain.delegation.delete(clientId);
      else for (const scope of input.scopes) domain.delegation.get(clientId)?.delete(scope);
      tokens.revokeForClient(clientId, domain.name);
      world.markDirty();
    },
    suspendUser(input) {
      need(input.email).user.suspended = input.suspended ?? true;
      world.markDirty();
    },
    setAdmin(input) {
      need(input.email).user.isAdmin = input.isAdmin === true;
      world.markDirty();
    },
    deleteUser(input) {
      const { user } = need(input.email);
      user.deleted = true;
      user.deletionTime = world.clock.now();
      world.markDirty();
    },
    advanceClock(input) {
      world.clock.advance(input.ms);
      world.markDirty();
      return { now: new Date(world.clock.now()).toISOString() };
    },
    now: () => new Date(world.clock.now()).toISOString(),
    expireCursors(input) {
      const { user } = need(input.email);
      user.syncTokensValidAfter = world.clock.now() + 1;
      user.mailbox.history = [];
      user.mailbox.oldestHistoryId = user.mailbox.historyId + 1;
      world.markDirty();
    },
    setFaults: (rules) => governor.setFaults(rules),
    setQuotas: (settings) => governor.setQuotas(settings),
    counters(input) {
      const entries = governor.counters();
      if (input?.reset) governor.resetCounters();
      return entries;
    },
    faultsInjected: () => governor.faultsInjected(),
    usagePeaks: () => governor.usagePeaks(),
    requestLog: () => governor.requestLog(),
    digest(input) {
      const { domain, user } = need(input.email);
      return contentDigest(world, domain, user, input.service, input.detail === true);
    },
    addMessage(input) {
      const { domain, user } = need(input.email);
      const raw = input.raw
        ? Buffer.from(input.raw, 'utf8')
        : Buffer.from(
            `From: ${input.from ?? `someone@external.example`}\r\nTo: ${user.primaryEmail}\r\nSubject: ${encodeHeaderWord(input.subject ?? 'New message')}\r\n` +
              `Date: ${new Date(world.clock.now()).toUTCString().replace('GMT', '+0000')}\r\nMessage-ID: <${randomBytes(8).toString('hex')}@${domain.name}>\r\n` +
              `MIME-Version: 1.0\r\nContent-Type: text/plain; charset="UTF-8"\r\n\r\n${input.body ?? 'Hello'}\r\n`,
          );
      const message = world.insertMessage(user, {
        raw,
        labelIds: input.labelIds ?? ['INBOX', 'UNREAD'],
        internalDate: world.clock.now(),
      });
      return { id: message.id, threadId: message.threadId };
    },
    addLargeMessages(input) {
      const { user } = need(input.email);
      const ids: string[] = [];
      for (let n = 0; n < input.count; n++) {
        const message = world.insertMessage(user, {
          gen: { kind: 'large', seed: `${user.primaryEmail}/large/${n}/${input.bytes}`, bodyBytes: input.bytes },
          labelIds: ['INBOX'],
          meta: {
            from: 'someone@external.example',
            to: user.primaryEmail,
            subject: `Large attachment ${n}`,
            snippet: `Large attachment ${n}`,
          },
        });
        ids.push(message.id);
      }
      return { ids };
    },
    deleteMessage(input) {
      const { user } = need(input.email);
      const message = user.mailbox.messages.get(input.id);
      if (!message) throw new ControlError(404, `Unknown message: ${input.id}`);
      world.deleteMessage(user, message);
    },
    relabelMessage(input) {
      const { user } = need(input.email);
      const message = user.mailbox.messages.get(input.id);
      if (!message) throw new ControlError(404, `Unknown message: ${input.id}`);
      world.modifyMessage(user, message, input.add ?? [], input.remove ?? []);
    },
    createFile(input) {
      const { domain, user } = need(input.email);
      const mimeType = input.mimeType ?? (input.docText !== undefined ? GOOGLE_DOC : 'application/octet-stream');
      const file = world.addFile(domain, {
        name: input.name,
        mimeType,
        parents: [input.parentId ?? user.rootFolderId],
        ownerEmail: user.primaryEmail,
        trashed: false,
        explicitlyTrashed: false,
        starred: false,
        appProperties: {},
        properties: {},
        content: input.content !== undefined ? Buffer.from(input.content, 'utf8') : undefined,
        gen:
          input.generatedBytes !== undefined && input.content === undefined
            ? { seed: `${user.primaryEmail}/${input.name}/${input.generatedBytes}`, size: input.generatedBytes }
            : undefined,
        docText: input.docText,
        permissions: [{ id: `perm-${user.id}`, type: 'user', role: 'owner', emailAddress: user.primaryEmail }],
      });
      return { id: file.id };
    },
    editFile(input) {
      const { domain } = need(input.email);
      const file = needFile(domain, input.id);
      world.touchFile(
        domain,
        file,
        input.docText !== undefined
          ? { docText: input.docText, content: undefined }
          : { content: Buffer.from(input.content ?? `edited ${world.clock.now()}`), gen: undefined },
      );
    },
    renameFile(input) {
      const { domain } = need(input.email);
      world.touchFile(domain, needFile(domain, input.id), { name: input.name });
    },
    trashFile(input) {
      const { domain } = need(input.email);
      const trashed = input.trashed ?? true;
      world.touchFile(domain, needFile(domain, input.id), { trashed, explicitlyTrashed: trashed });
    },
    deleteFile(input) {
      const { domain } = need(input.email);
      world.removeFile(domain, needFile(domain, input.id));
    },
    ransomware(input) {
      const { domain, user } = need(input.email);
      let count = 0;
      for (const file of [...domain.drive.files.values()]) {
        if (
          file.ownerEmail !== user.primaryEmail ||
          file.mimeType === 'application/vnd.google-apps.folder' ||
          file.id === user.rootFolderId
        )
          continue;
        if (file.mimeType === 'application/vnd.google-apps.shortcut') continue;
        const size = world.fileContent(file)?.length ?? 1024;
        world.touchFile(domain, file, {
          name: `${file.name}.locked`,
          mimeType: file.mimeType.startsWith('application/vnd.google-apps')
            ? 'application/octet-stream'
            : file.mimeType,
          content: randomBytes(Math.max(64, Math.min(size, 1_000_000))),
          gen: undefined,
          docText: undefined,
        });
        count++;
      }
      return { files: count };
    },
    changeEvent(input) {
      const { user } = need(input.email);
      const calendar = user.calendars.get(user.primaryEmail);
      if (!calendar) throw new ControlError(404, 'No primary calendar');
      if (!input.id) {
        const id = `ctl${randomBytes(8).toString('hex')}`;
        const start = new Date(world.clock.now() + 86400_000);
        world.upsertEvent(user, calendar, {
          id,
          iCalUID: `${id}@google.com`,
          summary: input.summary ?? 'New event',
          description: input.description,
          start: { dateTime: start.toISOString() },
          end: { dateTime: new Date(start.getTime() + 3600_000).toISOString() },
          status: 'confirmed',
          organizer: { email: user.primaryEmail, self: true },
        });
        return { id };
      }
      const event = calendar.events.get(input.id);
      if (!event) throw new ControlError(404, `Unknown event: ${input.id}`);
      world.upsertEvent(user, calendar, {
        ...event,
        ...(input.delete ? { status: 'cancelled' as const } : {}),
        ...(input.summary !== undefined ? { summary: input.summary } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
      });
      return { id: event.id };
    },
    simulateActivity(input) {
      const { domain, user } = need(input.email);
      activityRuns += 1;
      const random = createSeededRandom(`${world.state.seed}/activity/${user.primaryEmail}/${activityRuns}`);
      const counts: Record<string, number> = {};
      const bump = (kind: string) => {
        counts[kind] = (counts[kind] ?? 0) + 1;
      };
      for (let i = 0; i < (input.changes ?? 20); i++) {
        const roll = random.next();
        const messages = [...user.mailbox.messages.keys()];
        const files = [...domain.drive.files.values()].filter(
          (f) =>
            f.ownerEmail === user.primaryEmail &&
            !f.mimeType.startsWith('application/vnd.google-apps.') &&
            f.id !== user.rootFolderId,
        );
        const events = [...(user.calendars.get(user.primaryEmail)?.events.values() ?? [])].filter(
          (e) => e.status !== 'cancelled',
        );
        const contacts = [...user.people.contacts.values()].filter((c) => !c.deleted);
        if (roll < 0.45 || messages.length === 0) {
          control.addMessage({
            email: user.primaryEmail,
            subject: `Activity ${activityRuns}.${i}`,
            body: `Generated activity ${i}`,
          });
          bump('messagesAdded');
        } else if (roll < 0.6) {
          control.relabelMessage({
            email: user.primaryEmail,
            id: random.pick(messages),
            add: ['STARRED'],
            remove: ['UNREAD'],
          });
          bump('messagesRelabelled');
        } else if (roll < 0.65) {
          control.deleteMessage({ email: user.primaryEmail, id: random.pick(messages) });
          bump('messagesDeleted');
        } else if (roll < 0.75 && files.length > 0) {
          control.editFile({
            email: user.primaryEmail,
            id: random.pick(files).id,
            content: `edited ${activityRuns}.${i}`,
          });
          bump('filesEdited');
        } else if (roll < 0.8 && files.length > 0) {
          const file = random.pick(files);
          control.renameFile({ email: user.primaryEmail, id: file.id, name: `Renamed ${i} ${file.name}` });
          bump('filesRenamed');
        } else if (roll < 0.85 && files.length > 0) {
          control.trashFile({ email: user.primaryEmail, id: random.pick(files).id });
          bump('filesTrashed');
        } else if (roll < 0.93 && events.length > 0) {
          control.changeEvent({
            email: user.primaryEmail,
            id: random.pick(events).id,
            summary: `Moved ${activityRuns}.${i}`,
          });
          bump('eventsChanged');
        } else if (contacts.length > 0) {
          control.changeContact({
            email: user.primaryEmail,
            resourceName: random.pick(contacts).resourceName,
            familyName: `Changed${i}`,
          });
          bump('contactsChanged');
        } else {
          control.changeContact({ email: user.primaryEmail, givenName: 'New', familyName: `Contact${i}` });
          bump('contactsAdded');
        }
      }
      return counts;
    },
    wipeUser(input) {
      const { domain, user } = need(input.email);
      const counts = { messages: 0, files: 0, events: 0, contacts: 0 };
      for (const message of [...user.mailbox.messages.values()]) {
        world.deleteMessage(user, message);
        counts.messages++;
      }
      for (const file of [...domain.drive.files.values()]) {
        if (file.ownerEmail !== user.primaryEmail || file.id === user.rootFolderId) continue;
        world.removeFile(domain, file);
        counts.files++;
      }
      for (const calendar of user.calendars.values()) {
        for (const event of [...calendar.events.values()]) {
          if (event.status === 'cancelled') continue;
          world.upsertEvent(user, calendar, { ...event, status: 'cancelled' });
          counts.events++;
        }
      }
      for (const contact of [...user.people.contacts.values()]) {
        if (contact.deleted) continue;
        world.upsertContact(user, { ...contact, deleted: true });
        counts.contacts++;
      }
      return counts;
    },
    digestSharedDrive(input) {
      return sharedDriveDigest(world, needDrive(input.driveId), input.driveId, input.detail === true);
    },
    wipeSharedDrive(input) {
      return { files: wipeDriveFiles(needDrive(input.driveId), input.driveId) };
    },
    deleteSharedDrive(input) {
      const domain = needDrive(input.driveId);
      wipeDriveFiles(domain, input.driveId);
      domain.drive.drives.delete(input.driveId);
      world.markDirty();
    },
    changeContact(input) {
      const { user } = need(input.email);
      if (!input.resourceName) {
        const resourceName = `people/c${BigInt(`0x${randomBytes(7).toString('hex')}`).toString()}`;
        world.upsertContact(user, {
          resourceName,
          names: [
            {
              givenName: input.givenName ?? 'New',
              familyName: input.familyName ?? 'Contact',
              displayName: `${input.givenName ?? 'New'} ${input.familyName ?? 'Contact'}`,
            },
          ],
          emailAddresses: input.email_ ? [{ value: input.email_ }] : undefined,
          memberships: ['contactGroups/myContacts'],
        });
        return { resourceName };
      }
      const contact = user.people.contacts.get(input.resourceName);
      if (!contact) throw new ControlError(404, `Unknown contact: ${input.resourceName}`);
      const names =
        input.givenName || input.familyName
          ? [
              {
                givenName: input.givenName ?? contact.names?.[0]?.givenName,
                familyName: input.familyName ?? contact.names?.[0]?.familyName,
              },
            ]
          : contact.names;
      world.upsertContact(user, { ...contact, names, deleted: input.delete ?? false });
      return { resourceName: contact.resourceName };
    },
  };
  return control;
}

export class ControlError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const anyObject = z.record(z.string(), z.unknown());

/** HTTP routes: POST /_emulator/<operation> with a JSON body calls the same-named control method. */
export function controlRoutes(control: EmulatorControl): Route[] {
  const operations = Object.keys(control) as (keyof EmulatorControl)[];
  const call = (name: keyof EmulatorControl, input: unknown): unknown => {
    const fn = control[name] as (arg: unknown) => unknown;
    return fn(
      name === 'setFaults' ? (Array.isArray(input) ? input : ((input as { rules?: unknown }).rules ?? [])) : input,
    );
  };
  const run = (name: keyof EmulatorControl, input: unknown): Reply => {
    try {
      const result = call(name, input);
      return json({ ok: true, result: result ?? null });
    } catch (error) {
      if (error instanceof ControlError) return googleError(error.status, error.message, 'controlError');
      // Arguments of the wrong shape (a number for an email, a missing field) surface as type errors.
      if (error instanceof TypeError)
        return googleError(400, `Invalid arguments for ${name}: ${error.message}`, 'invalid');
      throw error;
    }
  };
  return [
    {
      method: 'GET',
      pattern: '/_emulator',
      name: 'control.index',
      api: 'control',
      units: 0,
      scopes: [],
      handler: () => json({ operations: operations.map((op) => `/_emulator/${op}`) }),
    },
    {
      method: 'GET',
      pattern: '/_emulator/:operation',
      name: 'control.get',
      api: 'control',
      units: 0,
      scopes: [],
      handler(ctx) {
        const name = ctx.params.operation as keyof EmulatorControl;
        if (!operations.includes(name))
          return googleError(404, `Unknown control operation: ${ctx.params.operation}`, 'notFound');
        return run(name, Object.fromEntries(ctx.query));
      },
    },
    {
      method: 'POST',
      pattern: '/_emulator/:operation',
      name: 'control.post',
      api: 'control',
      units: 0,
      scopes: [],
      handler(ctx) {
        const name = ctx.params.operation as keyof EmulatorControl;
        if (!operations.includes(name))
          return googleError(404, `Unknown control operation: ${ctx.params.operation}`, 'notFound');
        const parsed = parseJsonBody(ctx.body);
        if (!parsed.ok) return parsed.reply;
        const input = Array.isArray(parsed.value) ? parsed.value : anyObject.safeParse(parsed.value ?? {});
        if (!Array.isArray(input) && !input.success) return googleError(400, 'Body must be a JSON object', 'invalid');
        return run(name, Array.isArray(input) ? input : input.data);
      },
    },
  ];
}
