// Deterministic test data from a seed: users, mailboxes (threads, labels, MIME variety, shared
// attachments, large messages), Drive trees with Google files, shortcuts and sharing, shared
// drives, calendars with recurring events and exceptions, contacts with groups. Message and
// file bodies are recipes rendered on demand, so a large domain costs little memory.
import { createHash } from 'node:crypto';
import {
  GOOGLE_DOC,
  GOOGLE_DRAWING,
  GOOGLE_FOLDER,
  GOOGLE_SHEET,
  GOOGLE_SHORTCUT,
  GOOGLE_SLIDES,
} from './office-files.ts';
import { createSeededRandom, type SeededRandom } from './seeded-random.ts';
import type { Domain, DriveFile, GeneratedMail, User } from './state.ts';
import type { World } from './world.ts';

export interface GenerateOptions {
  domain: string;
  /** Number of users including admin@domain. */
  users: number;
  messagesPerUser?: number;
  filesPerUser?: number;
  eventsPerUser?: number;
  contactsPerUser?: number;
  sharedDrives?: number;
  /** Probability that a message carries an attachment from the shared pool (drives the average size). */
  attachmentRate?: number;
  /** If > 0, the first non-admin user gets one message of about this many bytes. */
  largeMessageBytes?: number;
  /** Client ids to pre-grant domain-wide delegation to, with their scopes. */
  delegation?: Record<string, readonly string[]>;
}

const FIRST = [
  'alice',
  'bruno',
  'chloe',
  'david',
  'emma',
  'farid',
  'giulia',
  'hugo',
  'ines',
  'jonas',
  'karim',
  'lea',
  'marc',
  'nora',
  'oscar',
  'paula',
  'quentin',
  'rosa',
  'samuel',
  'thea',
  'ugo',
  'vera',
  'william',
  'xenia',
  'yann',
  'zoe',
];
const LAST = [
  'martin',
  'bernard',
  'dubois',
  'thomas',
  'robert',
  'richard',
  'petit',
  'durand',
  'leroy',
  'moreau',
  'simon',
  'laurent',
  'lefebvre',
  'michel',
  'garcia',
  'david',
  'bertrand',
  'roux',
  'vincent',
  'fournier',
  'morel',
  'girard',
];
const SUBJECTS = [
  'Quarterly budget review',
  'Project kickoff',
  'Invoice #4821',
  'Design feedback',
  'Team offsite planning',
  'Contract renewal',
  'Weekly status update',
  'Customer escalation',
  'Hiring plan',
  'Release notes 2.4',
  'Réunion de lundi',
  'Überprüfung der Angebote',
  '会議の議事録',
  'Travel expenses',
  'Security audit findings',
];
const EXTERNAL = ['newsletter@example.com', 'billing@vendor.example', 'partner@acme.example', 'support@saas.example'];

function capital(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

export function userNames(
  count: number,
  domain: string,
): { email: string; givenName: string; familyName: string; isAdmin: boolean }[] {
  const out = [
    {
      email: `admin@${domain}`,
      givenName: 'Admin',
      familyName: capital(domain.split('.')[0] ?? 'Domain'),
      isAdmin: true,
    },
  ];
  const seen = new Set<string>();
  for (let i = 0; out.length < count; i++) {
    const first = FIRST[i % FIRST.length] ?? 'user';
    const last = LAST[(i * 7 + Math.floor(i / FIRST.length)) % LAST.length] ?? 'user';
    let local = `${first}.${last}`;
    if (seen.has(local)) local = `${local}${i}`;
    seen.add(local);
    out.push({ email: `${local}@${domain}`, givenName: capital(first), familyName: capital(last), isAdmin: false });
  }
  return out;
}

function pickMailKind(random: SeededRandom, attachmentRate: number): GeneratedMail['kind'] {
  const roll = random.next();
  if (roll < attachmentRate) return 'attachment';
  if (roll < attachmentRate + 0.08) return 'inline';
  if (roll < attachmentRate + 0.18) return 'intl';
  if (roll < attachmentRate + 0.45) return 'html';
  return 'plain';
}

function generateMail(
  world: World,
  domain: Domain,
  user: User,
  users: User[],
  random: SeededRandom,
  options: GenerateOptions,
): void {
  const count = options.messagesPerUser ?? 50;
  const attachmentRate = options.attachmentRate ?? 0.11;
  const box = user.mailbox;
  const userLabels = ['Projects', 'Receipts', 'Clients/Acme', 'Équipe'];
  for (const name of userLabels) {
    const id = `Label_${box.nextLabelNumber++}`;
    box.labels.set(id, { id, name, type: 'user', messageListVisibility: 'show', labelListVisibility: 'labelShow' });
  }
  const labelIds = [...box.labels.values()].filter((l) => l.type === 'user').map((l) => l.id);
  const now = world.clock.now();
  const span = 730 * 86400_000;
  const previous: { subject: string; messageIdHeader: string }[] = [];
  for (let i = 0; i < count; i++) {
    const seed = `${world.state.seed}/${user.primaryEmail}/m${i}`;
    const internalDate = now - span + Math.floor((span * (i + random.next())) / count);
    const other = random.chance(0.75) ? random.pick(users).primaryEmail : random.pick(EXTERNAL);
    const outgoing = random.chance(0.3);
    const reply = previous.length > 0 && random.chance(0.3) ? random.pick(previous) : undefined;
    const kind = pickMailKind(random, attachmentRate);
    const gen: GeneratedMail = {
      kind,
      seed,
      bodyBytes: kind === 'plain' || kind === 'intl' ? random.int(800, 6000) : random.int(1500, 9000),
      attachment: random.int(0, 7),
    };
    if (reply) gen.inReplyTo = reply.messageIdHeader;
    if (random.chance(0.1)) gen.cc = random.pick(users).primaryEmail;
    const subject = reply ? `Re: ${reply.subject.replace(/^Re: /, '')}` : random.pick(SUBJECTS);
    const labels = outgoing ? ['SENT'] : ['INBOX', 'CATEGORY_PERSONAL'];
    if (!outgoing && random.chance(0.2)) labels.push('UNREAD');
    if (random.chance(0.05)) labels.push('STARRED');
    if (random.chance(0.1)) labels.push('IMPORTANT');
    if (random.chance(0.25)) labels.push(random.pick(labelIds));
    if (random.chance(0.02)) labels.splice(0, labels.length, 'TRASH');
    else if (random.chance(0.01)) labels.splice(0, labels.length, 'SPAM');
    const messageIdHeader = `<${seed.replace(/[^a-z0-9]/gi, '.')}@mail.${domain.name}>`;
    world.insertMessage(user, {
      gen,
      labelIds: labels,
      internalDate,
      meta: {
        from: outgoing ? `${user.givenName} ${user.familyName} <${user.primaryEmail}>` : other,
        to: outgoing ? other : user.primaryEmail,
        subject,
        messageIdHeader,
        snippet: `${subject} — generated message ${i}`,
      },
    });
    previous.push({ subject, messageIdHeader });
    if (previous.length > 20) previous.shift();
  }
  if ((options.largeMessageBytes ?? 0) > 0 && user === users[1]) {
    world.insertMessage(user, {
      gen: {
        kind: 'large',
        seed: `${world.state.seed}/${user.primaryEmail}/large`,
        bodyBytes: options.largeMessageBytes ?? 0,
      },
      labelIds: ['INBOX'],
      internalDate: now - 86400_000,
      meta: {
        from: random.pick(EXTERNAL),
        to: user.primaryEmail,
        subject: 'Large attachment',
        snippet: 'Large attachment',
      },
    });
  }
}

function generateDrive(
  world: World,
  domain: Domain,
  user: User,
  users: User[],
  random: SeededRandom,
  options: GenerateOptions,
): void {
  const count = options.filesPerUser ?? 20;
  const owner = user.primaryEmail;
  const base = {
    ownerEmail: owner,
    trashed: false,
    explicitlyTrashed: false,
    starred: false,
    appProperties: {},
    properties: {},
  };
  const ownerPermission = {
    id: `perm-${user.id}`,
    type: 'user' as const,
    role: 'owner' as const,
    emailAddress: owner,
    displayName: `${user.givenName} ${user.familyName}`,
  };
  const folders = [user.rootFolderId];
  for (const name of ['Projects', 'Finance', 'Photos']) {
    const folder = world.addFile(domain, {
      ...base,
      name,
      mimeType: GOOGLE_FOLDER,
      parents: [random.pick(folders)],
      permissions: [ownerPermission],
    });
    folders.push(folder.id);
  }
  const created: string[] = [];
  for (let i = 0; i < count; i++) {
    // Every user gets at least one shortcut (the fifth item).
    const roll = i === 4 ? 0.33 : random.next();
    const permissions = [ownerPermission];
    if (random.chance(0.2)) {
      const other = random.pick(users);
      if (other !== user)
        permissions.push({
          id: `perm-${other.id}`,
          type: 'user',
          role: 'writer',
          emailAddress: other.primaryEmail,
          displayName: `${other.givenName} ${other.familyName}`,
        } as never);
    }
    const parents = [random.pick(folders)];
    const seed = `${world.state.seed}/${owner}/f${i}`;
    let file: DriveFile;
    if (roll < 0.15) {
      file = world.addFile(domain, {
        ...base,
        name: `Meeting notes ${i}`,
        mimeType: GOOGLE_DOC,
        parents,
        permissions,
        docText: `Notes ${i}\nOwner ${owner}\nDécisions: ${seed}`,
      });
    } else if (roll < 0.25) {
      file = world.addFile(domain, {
        ...base,
        name: `Budget ${i}`,
        mimeType: GOOGLE_SHEET,
        parents,
        permissions,
        docText: `item,amount\nrent,${random.int(100, 9000)}\nsalaries,${random.int(1000, 90000)}`,
      });
    } else if (roll < 0.3) {
      file = world.addFile(domain, {
        ...base,
        name: `Pitch ${i}`,
        mimeType: GOOGLE_SLIDES,
        parents,
        permissions,
        docText: `Slide one ${i}\n${seed}`,
      });
    } else if (roll < 0.32) {
      file = world.addFile(domain, {
        ...base,
        name: `Diagram ${i}`,
        mimeType: GOOGLE_DRAWING,
        parents,
        permissions,
        docText: `Diagram ${i}`,
      });
    } else if (roll < 0.36 && created.length > 0) {
      const target = domain.drive.files.get(random.pick(created));
      file = world.addFile(domain, {
        ...base,
        name: `Shortcut to ${target?.name ?? 'file'}`,
        mimeType: GOOGLE_SHORTCUT,
        parents,
        permissions,
        shortcutDetails: { targetId: target?.id ?? '', targetMimeType: target?.mimeType ?? 'application/octet-stream' },
      });
    } else {
      const [ext, mimeType] = random.pick([
        ['pdf', 'application/pdf'],
        ['jpg', 'image/jpeg'],
        ['bin', 'application/octet-stream'],
        ['txt', 'text/plain'],
        ['zip', 'application/zip'],
      ] as const);
      file = world.addFile(domain, {
        ...base,
        name: `File ${i}.${ext}`,
        mimeType,
        parents,
        permissions,
        gen: { seed, size: random.int(200, 200_000) },
      });
    }
    created.push(file.id);
  }
}

/**
 * A stable id unique to `key` (an owner and a name). Google's event and calendar ids are
 * global: two users' events never share an id or an iCalUID unless they are copies of one
 * meeting, so a cross-user restore cannot pass as "already present".
 */
function uniqueId(key: string, length: number): string {
  return createHash('sha256').update(key).digest('hex').slice(0, length);
}

function generateCalendar(
  world: World,
  user: User,
  users: User[],
  random: SeededRandom,
  options: GenerateOptions,
): void {
  const calendar = user.calendars.get(user.primaryEmail);
  if (!calendar) return;
  const count = options.eventsPerUser ?? 10;
  const now = world.clock.now();
  for (let i = 0; i < count; i++) {
    const id = `${uniqueId(`${user.primaryEmail}/e${i}`, 20)}e${i}`;
    const start = new Date(now - 60 * 86400_000 + random.int(0, 120) * 86400_000);
    start.setUTCHours(random.int(7, 17), 0, 0, 0);
    const end = new Date(start.getTime() + random.pick([30, 60, 90]) * 60_000);
    const recurring = random.chance(0.25);
    const allDay = !recurring && random.chance(0.1);
    const attendee = random.pick(users);
    const event = world.upsertEvent(user, calendar, {
      id,
      iCalUID: `${id}@google.com`,
      summary: recurring ? `Weekly sync ${i}` : `Meeting ${i} — ${random.pick(SUBJECTS)}`,
      description: random.chance(0.5) ? `Agenda for meeting ${i}` : undefined,
      location: random.chance(0.3) ? 'Salle Érable' : undefined,
      start: allDay
        ? { date: start.toISOString().slice(0, 10) }
        : { dateTime: start.toISOString(), timeZone: 'Europe/Paris' },
      end: allDay
        ? { date: new Date(start.getTime() + 86400_000).toISOString().slice(0, 10) }
        : { dateTime: end.toISOString(), timeZone: 'Europe/Paris' },
      recurrence: recurring ? ['RRULE:FREQ=WEEKLY;COUNT=10'] : undefined,
      status: 'confirmed',
      organizer: { email: user.primaryEmail, self: true },
      attendees: attendee !== user ? [{ email: attendee.primaryEmail, responseStatus: 'needsAction' }] : undefined,
    });
    if (recurring) {
      const moved = new Date(start.getTime() + 7 * 86400_000);
      const movedEnd = new Date(end.getTime() + 7 * 86400_000 + 3600_000);
      const stamp = moved.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
      world.upsertEvent(user, calendar, {
        id: `${id}_${stamp}`,
        iCalUID: event.iCalUID,
        recurringEventId: id,
        originalStartTime: { dateTime: moved.toISOString(), timeZone: 'Europe/Paris' },
        summary: `${event.summary} (moved)`,
        start: { dateTime: new Date(moved.getTime() + 3600_000).toISOString(), timeZone: 'Europe/Paris' },
        end: { dateTime: movedEnd.toISOString(), timeZone: 'Europe/Paris' },
        status: 'confirmed',
        organizer: { email: user.primaryEmail, self: true },
      });
    }
  }
}

/**
 * A secondary calendar per user ("Projects", as people create for a team or a project), with
 * a quarter as many events as the primary one, so backups see more than one calendar.
 */
function generateSecondaryCalendar(world: World, user: User, random: SeededRandom, options: GenerateOptions): void {
  const count = Math.ceil((options.eventsPerUser ?? 10) / 4);
  if (count === 0) return;
  const id = `${uniqueId(`${user.primaryEmail}/projects`, 26)}@group.calendar.google.com`;
  const calendar = user.calendars.get(id) ?? {
    id,
    summary: 'Projects',
    description: 'Project milestones and reviews',
    timeZone: 'Europe/Paris',
    primary: false,
    accessRole: 'owner' as const,
    events: new Map(),
    changeSeq: 1,
    nextEventNumber: 1,
  };
  user.calendars.set(id, calendar);
  const now = world.clock.now();
  for (let i = 0; i < count; i++) {
    const eventId = `${uniqueId(`${id}/p${i}`, 20)}p${i}`;
    const start = new Date(now - 30 * 86400_000 + random.int(0, 90) * 86400_000);
    start.setUTCHours(random.int(8, 16), 30, 0, 0);
    world.upsertEvent(user, calendar, {
      id: eventId,
      iCalUID: `${eventId}@google.com`,
      summary: `Milestone ${i + 1}: ${random.pick(SUBJECTS)}`,
      start: { dateTime: start.toISOString(), timeZone: 'Europe/Paris' },
      end: { dateTime: new Date(start.getTime() + 3600_000).toISOString(), timeZone: 'Europe/Paris' },
      status: 'confirmed',
      organizer: { email: id, self: true },
    });
  }
}

function generateContacts(world: World, user: User, random: SeededRandom, options: GenerateOptions): void {
  const count = options.contactsPerUser ?? 10;
  const groups = ['Family', 'Clients', 'Fournisseurs'].map((name, index) => {
    const resourceName = `contactGroups/${Buffer.from(`${user.id}${index}`).toString('hex').slice(-12)}`;
    user.people.groups.set(resourceName, {
      resourceName,
      name,
      groupType: 'USER_CONTACT_GROUP',
      updateTime: world.clock.now(),
    });
    return resourceName;
  });
  for (let i = 0; i < count; i++) {
    const given = capital(random.pick(FIRST));
    const family = capital(random.pick(LAST));
    const memberships = ['contactGroups/myContacts'];
    if (random.chance(0.5)) memberships.push(random.pick(groups));
    world.upsertContact(user, {
      resourceName: `people/c${BigInt(`0x${Buffer.from(`${user.id}/c${i}`).toString('hex').slice(-14)}`).toString()}`,
      names: [{ givenName: given, familyName: family, displayName: `${given} ${family}` }],
      emailAddresses: [{ value: `${given}.${family}@contacts.example`.toLowerCase(), type: 'work' }],
      phoneNumbers: random.chance(0.7)
        ? [
            {
              value: `+33 1 ${random.int(10, 99)} ${random.int(10, 99)} ${random.int(10, 99)} ${random.int(10, 99)}`,
              type: 'mobile',
            },
          ]
        : undefined,
      organizations: random.chance(0.4) ? [{ name: 'Acme SARL', title: 'Directeur' }] : undefined,
      biographies: random.chance(0.2)
        ? [{ value: 'Rencontré au salon — très sympathique', contentType: 'TEXT_PLAIN' }]
        : undefined,
      memberships,
    });
  }
}

function generateSharedDrives(world: World, domain: Domain, users: User[], random: SeededRandom, count: number): void {
  for (let d = 0; d < count; d++) {
    const id = `0A${Buffer.from(`${domain.name}/drive${d}`).toString('base64url').slice(-14)}Uk9PVA`;
    const members = users.filter((_, index) => index % (d + 2) === 1);
    const organizer = members[0] ?? users[0];
    if (!organizer) return;
    const permissions = [
      {
        id: `perm-${organizer.id}`,
        type: 'user' as const,
        role: 'organizer' as const,
        emailAddress: organizer.primaryEmail,
      },
      ...members.slice(1).map((member) => ({
        id: `perm-${member.id}`,
        type: 'user' as const,
        role: 'writer' as const,
        emailAddress: member.primaryEmail,
      })),
    ];
    domain.drive.drives.set(id, {
      id,
      name: ['Marketing', 'Engineering', 'Direction', 'Ventes'][d % 4] ?? `Drive ${d}`,
      createdTime: world.clock.now() - 90 * 86400_000,
      hidden: false,
      permissions,
    });
    for (let i = 0; i < 8; i++) {
      const docs = random.chance(0.3);
      world.addFile(domain, {
        name: docs ? `Shared doc ${i}` : `Asset ${i}.bin`,
        mimeType: docs ? GOOGLE_DOC : 'application/octet-stream',
        parents: [id],
        driveId: id,
        trashed: false,
        explicitlyTrashed: false,
        starred: false,
        appProperties: {},
        properties: {},
        permissions: [],
        ...(docs
          ? { docText: `Shared document ${i} of ${id}` }
          : { gen: { seed: `${id}/f${i}`, size: random.int(500, 100_000) } }),
      });
    }
  }
}

/** Creates (or extends) a domain with generated users and content. Deterministic from the world's seed. */
export function generateDomain(world: World, options: GenerateOptions): Domain {
  const domain = world.createDomain(options.domain);
  const random = createSeededRandom(`${world.state.seed}/${domain.name}`);
  for (const [clientId, scopes] of Object.entries(options.delegation ?? {})) {
    domain.delegation.set(clientId, new Set(scopes));
  }
  if (!domain.orgUnits.some((unit) => unit.orgUnitPath === '/Sales'))
    domain.orgUnits.push({
      orgUnitId: `id:${domain.customerId}sales`,
      name: 'Sales',
      orgUnitPath: '/Sales',
      parentOrgUnitPath: '/',
      description: 'Sales team',
    });
  const existing = new Set(domain.users.keys());
  const users = userNames(options.users, domain.name).map((input, index) =>
    world.createUser(domain, { ...input, orgUnitPath: index % 4 === 3 ? '/Sales' : '/' }),
  );
  // Generating again for an existing domain only fills users it did not have yet.
  for (const user of users) {
    if (existing.has(user.primaryEmail)) continue;
    const userRandom = random.fork(user.primaryEmail);
    generateMail(world, domain, user, users, userRandom.fork('mail'), options);
    generateDrive(world, domain, user, users, userRandom.fork('drive'), options);
    generateCalendar(world, user, users, userRandom.fork('calendar'), options);
    generateSecondaryCalendar(world, user, userRandom.fork('calendar-projects'), options);
    generateContacts(world, user, userRandom.fork('people'), options);
  }
  if (domain.drive.drives.size === 0)
    generateSharedDrives(world, domain, users, random.fork('drives'), options.sharedDrives ?? 2);
  // Generated content is the starting point: history before this moment is not "new".
  for (const user of users) user.mailbox.oldestHistoryId = 0;
  return domain;
}
