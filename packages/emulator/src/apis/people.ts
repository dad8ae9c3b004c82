// People API v1: connections list (sync tokens, 400 EXPIRED_SYNC_TOKEN after 7 days),
// createContact and batchCreateContacts (clientData kept, so a restore can find what it created),
// contactGroups list/create.
import { createHash } from 'node:crypto';
import { googleError, invalidArgument, json, parseJsonBody, type Reply } from '../http-reply.ts';
import type { RequestContext, Route } from '../router.ts';
import type { Contact, ContactGroup, User } from '../state.ts';
import type { World } from '../world.ts';
import { SCOPES } from './scopes.ts';

const PERSON_FIELDS = new Set([
  'addresses',
  'ageRanges',
  'biographies',
  'birthdays',
  'calendarUrls',
  'clientData',
  'coverPhotos',
  'emailAddresses',
  'events',
  'externalIds',
  'genders',
  'imClients',
  'interests',
  'locales',
  'locations',
  'memberships',
  'metadata',
  'miscKeywords',
  'names',
  'nicknames',
  'occupations',
  'organizations',
  'phoneNumbers',
  'photos',
  'relations',
  'sipAddresses',
  'skills',
  'urls',
  'userDefined',
]);
const STORED_FIELDS = [
  'names',
  'emailAddresses',
  'phoneNumbers',
  'organizations',
  'biographies',
  'addresses',
  'birthdays',
  'clientData',
] as const;

function peopleError(code: number, message: string, status: string, details?: object[]): Reply {
  return googleError(code, message, '', { status, details, omitErrors: true });
}

function etag(value: string): string {
  return `%${createHash('sha1').update(value).digest('base64url').slice(0, 24)}`;
}

function parsePersonFields(ctx: RequestContext, name = 'personFields'): Set<string> | Reply {
  const raw = ctx.query.get(name) ?? ctx.query.get('requestMask.includeField');
  if (!raw) {
    return peopleError(
      400,
      `${name} mask is required. Please specify one or more valid paths. Valid paths are documented at https://developers.google.com/people/api/rest/v1/people.connections/list.`,
      'INVALID_ARGUMENT',
    );
  }
  const fields = new Set(raw.split(',').map((f) => f.trim().replace(/^person\./, '')));
  for (const field of fields) {
    if (!PERSON_FIELDS.has(field))
      return peopleError(
        400,
        `Invalid personFields mask path: "${field}". Valid paths are documented at https://developers.google.com/people/api/rest/v1/people.connections/list.`,
        'INVALID_ARGUMENT',
      );
  }
  return fields;
}

function personResource(contact: Contact, fields: Set<string>): Record<string, unknown> {
  const id = contact.resourceName.split('/')[1] ?? '';
  const tag = etag(`${contact.resourceName}/${contact.seq}`);
  const source = {
    type: 'CONTACT',
    id: BigInt(`0x${createHash('sha1').update(id).digest('hex').slice(0, 15)}`).toString(16),
    etag: tag,
    updateTime: new Date(contact.updateTime).toISOString(),
  };
  const person: Record<string, unknown> = { resourceName: contact.resourceName, etag: tag };
  if (contact.deleted) {
    person.metadata = { sources: [source], objectType: 'PERSON', deleted: true };
    return person;
  }
  if (fields.has('metadata')) person.metadata = { sources: [source], objectType: 'PERSON' };
  for (const field of STORED_FIELDS) {
    const values = contact[field];
    if (fields.has(field) && values && values.length > 0) {
      person[field] = values.map((value, index) => ({
        metadata: { primary: index === 0, source: { type: 'CONTACT', id: source.id } },
        ...value,
      }));
    }
  }
  if (fields.has('memberships')) {
    person.memberships = contact.memberships.map((group) => ({
      metadata: { source: { type: 'CONTACT', id: source.id } },
      contactGroupMembership: { contactGroupId: group.split('/')[1], contactGroupResourceName: group },
    }));
  }
  return person;
}

function groupResource(user: User, group: ContactGroup): Record<string, unknown> {
  let members = 0;
  for (const contact of user.people.contacts.values())
    if (!contact.deleted && contact.memberships.includes(group.resourceName)) members++;
  return {
    resourceName: group.resourceName,
    etag: etag(`${group.resourceName}/${group.updateTime}/${members}`),
    metadata: { updateTime: new Date(group.updateTime).toISOString() },
    groupType: group.groupType,
    name: group.name,
    formattedName:
      group.groupType === 'SYSTEM_CONTACT_GROUP'
        ? group.name.replace(/^myContacts$/, 'My Contacts').replace(/^starred$/, 'Starred')
        : group.name,
    memberCount: members,
  };
}

function decode(value: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const encode = (value: Record<string, unknown>) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** people:batchCreateContacts accepts at most this many contacts. */
const BATCH_CREATE_MAX = 200;

export function peopleRoutes(world: World): Route[] {
  const needUser = (ctx: RequestContext): User | Reply =>
    ctx.user ?? peopleError(400, 'Request must be made on behalf of a user.', 'FAILED_PRECONDITION');

  function createContact(user: User, input: Record<string, unknown>): Contact {
    const number = user.people.nextContactNumber++;
    const resourceName = `people/c${BigInt(`0x${createHash('sha1').update(`${user.id}/new/${number}`).digest('hex').slice(0, 15)}`).toString()}`;
    return world.upsertContact(user, { resourceName, ...contactInput(input) });
  }

  function contactInput(
    input: Record<string, unknown>,
  ): Omit<Contact, 'seq' | 'updateTime' | 'deleted' | 'resourceName'> {
    const out: Record<string, unknown> = { memberships: ['contactGroups/myContacts'] };
    for (const field of STORED_FIELDS) {
      const value = input[field];
      if (Array.isArray(value)) {
        out[field] = value.map((item) => {
          const { metadata: _ignored, ...rest } = (item ?? {}) as Record<string, unknown>;
          return rest;
        });
      }
    }
    if (Array.isArray(input.memberships)) {
      const groups = input.memberships
        .map(
          (m) =>
            (m as { contactGroupMembership?: { contactGroupResourceName?: string; contactGroupId?: string } })
              .contactGroupMembership,
        )
        .map(
          (m) => m?.contactGroupResourceName ?? (m?.contactGroupId ? `contactGroups/${m.contactGroupId}` : undefined),
        )
        .filter((m): m is string => !!m);
      out.memberships = [...new Set(['contactGroups/myContacts', ...groups])];
    }
    return out as Omit<Contact, 'seq' | 'updateTime' | 'deleted' | 'resourceName'>;
  }

  return [
    {
      method: 'GET',
      pattern: '/v1/people/me/connections',
      name: 'people.people.connections.list',
      api: 'people',
      units: 1,
      scopes: SCOPES.contactsRead,
      queryParams: [
        'personFields',
        'requestMask.includeField',
        'pageSize',
        'pageToken',
        'requestSyncToken',
        'syncToken',
        'sortOrder',
        'sources',
      ],
      handler(ctx) {
        const user = needUser(ctx);
        if ('status' in user) return user;
        const fields = parsePersonFields(ctx);
        if ('status' in fields) return fields;
        const sizeRaw = ctx.query.get('pageSize');
        const size = sizeRaw === null ? 100 : Number(sizeRaw);
        if (!Number.isInteger(size) || size < 1 || size > 1000)
          return peopleError(400, 'Invalid pageSize. Must be between 1 and 1000.', 'INVALID_ARGUMENT');
        const pageRaw = ctx.query.get('pageToken');
        const page = pageRaw ? decode(pageRaw) : undefined;
        if (pageRaw && !page) return peopleError(400, 'Page token is invalid.', 'INVALID_ARGUMENT');
        const syncRaw = ctx.query.get('syncToken');
        let afterSeq = 0;
        let syncIssued: number | undefined;
        if (syncRaw) {
          const sync = decode(syncRaw);
          if (!sync || typeof sync.q !== 'number' || typeof sync.t !== 'number')
            return peopleError(400, 'Sync token is invalid.', 'INVALID_ARGUMENT');
          if (sync.t < user.syncTokensValidAfter || world.clock.now() - sync.t > world.retention.peopleSyncTokenMs) {
            return peopleError(
              400,
              'Sync token is expired. Clear local cache and retry call without the sync token.',
              'FAILED_PRECONDITION',
              [
                {
                  '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
                  reason: 'EXPIRED_SYNC_TOKEN',
                  domain: 'people.googleapis.com',
                  metadata: {
                    service: 'people.googleapis.com',
                    method: 'google.people.v1.PeopleService.ListConnections',
                  },
                },
              ],
            );
          }
          afterSeq = sync.q;
          syncIssued = sync.t;
        }
        const upTo = typeof page?.u === 'number' ? page.u : user.people.changeSeq;
        const contacts = [...user.people.contacts.values()]
          .filter((c) => c.seq > afterSeq && c.seq <= upTo && (syncRaw ? true : !c.deleted))
          .sort((a, b) => (ctx.query.get('sortOrder') === 'LAST_MODIFIED_DESCENDING' ? b.seq - a.seq : a.seq - b.seq));
        const offset = typeof page?.o === 'number' ? page.o : 0;
        const body: Record<string, unknown> = {};
        const slice = contacts.slice(offset, offset + size);
        if (slice.length) body.connections = slice.map((c) => personResource(c, fields));
        if (offset + size < contacts.length) body.nextPageToken = encode({ o: offset + size, u: upTo });
        else if (ctx.query.get('requestSyncToken') === 'true' || syncRaw) {
          // A sync token's lifetime runs from the full sync that started the chain.
          body.nextSyncToken = encode({ q: upTo, t: syncIssued ?? world.clock.now() });
        }
        const total = [...user.people.contacts.values()].filter((c) => !c.deleted).length;
        body.totalPeople = total;
        body.totalItems = total;
        return json(body);
      },
    },
    {
      // "Other contacts" (auto-saved from interactions): the emulator keeps none, but answers in shape.
      method: 'GET',
      pattern: '/v1/otherContacts',
      name: 'people.otherContacts.list',
      api: 'people',
      units: 1,
      scopes: ['https://www.googleapis.com/auth/contacts.other.readonly'],
      queryParams: ['readMask', 'pageSize', 'pageToken', 'requestSyncToken', 'syncToken', 'sources'],
      handler(ctx) {
        const user = needUser(ctx);
        if ('status' in user) return user;
        if (!ctx.query.get('readMask')) {
          return peopleError(
            400,
            'readMask is required. Please specify one or more valid paths. Valid paths are documented at https://developers.google.com/people/api/rest/v1/otherContacts/list.',
            'INVALID_ARGUMENT',
          );
        }
        const body: Record<string, unknown> = { totalSize: 0 };
        if (ctx.query.get('requestSyncToken') === 'true') body.nextSyncToken = encode({ q: 0, t: world.clock.now() });
        return json(body);
      },
    },
    {
      method: 'POST',
      pattern: '/v1/people:createContact',
      name: 'people.people.createContact',
      api: 'people',
      units: 1,
      scopes: SCOPES.contactsWrite,
      queryParams: ['personFields', 'sources'],
      handler(ctx) {
        const user = needUser(ctx);
        if ('status' in user) return user;
        const parsed = parseJsonBody(ctx.body);
        if (!parsed.ok) return parsed.reply;
        if (!parsed.value || typeof parsed.value !== 'object' || Array.isArray(parsed.value))
          return peopleError(400, 'Invalid JSON payload received.', 'INVALID_ARGUMENT');
        const input = parsed.value as Record<string, unknown>;
        for (const group of contactInput(input).memberships ?? []) {
          if (!user.people.groups.has(group))
            return peopleError(400, `Contact group not found: ${group}`, 'INVALID_ARGUMENT');
        }
        const contact = createContact(user, input);
        const fieldsRaw = ctx.query.get('personFields');
        const fields = fieldsRaw
          ? new Set(fieldsRaw.split(','))
          : new Set<string>([...STORED_FIELDS, 'memberships', 'metadata']);
        return json(personResource(contact, fields));
      },
    },
    {
      // https://developers.google.com/people/api/rest/v1/people/batchCreateContacts: up to 200
      // contacts in one call, all or nothing (one invalid contact refuses the whole request),
      // each contact counted against the write quota; readMask is required.
      method: 'POST',
      pattern: '/v1/people:batchCreateContacts',
      name: 'people.people.batchCreateContacts',
      api: 'people',
      units: 1,
      unitsOf: (body) => {
        try {
          const contacts = (JSON.parse(body.toString('utf8')) as { contacts?: unknown }).contacts;
          return Array.isArray(contacts) ? Math.max(1, contacts.length) : 1;
        } catch {
          return 1;
        }
      },
      scopes: SCOPES.contactsWrite,
      handler(ctx) {
        const user = needUser(ctx);
        if ('status' in user) return user;
        const parsed = parseJsonBody(ctx.body);
        if (!parsed.ok) return parsed.reply;
        const input = (parsed.value ?? {}) as { contacts?: unknown; readMask?: unknown };
        if (typeof input.readMask !== 'string' || input.readMask === '')
          return peopleError(400, 'Request must set readMask.', 'INVALID_ARGUMENT');
        if (!Array.isArray(input.contacts) || input.contacts.length === 0)
          return peopleError(400, 'contacts: must not be empty.', 'INVALID_ARGUMENT');
        if (input.contacts.length > BATCH_CREATE_MAX)
          return peopleError(400, `contacts: at most ${BATCH_CREATE_MAX} per request.`, 'INVALID_ARGUMENT');
        const people: Record<string, unknown>[] = [];
        for (const [index, entry] of input.contacts.entries()) {
          const person = (entry as { contactPerson?: unknown } | null)?.contactPerson;
          if (!person || typeof person !== 'object' || Array.isArray(person))
            return peopleError(400, `contacts[${index}].contactPerson: required.`, 'INVALID_ARGUMENT');
          for (const group of contactInput(person as Record<string, unknown>).memberships ?? []) {
            if (!user.people.groups.has(group))
              return peopleError(400, `Contact group not found: ${group}`, 'INVALID_ARGUMENT');
          }
          people.push(person as Record<string, unknown>);
        }
        const fields = new Set(input.readMask.split(','));
        const createdPeople = people.map((person) => ({
          httpStatusCode: 200,
          person: personResource(createContact(user, person), fields),
        }));
        return json({ createdPeople });
      },
    },
    {
      method: 'GET',
      pattern: '/v1/contactGroups',
      name: 'people.contactGroups.list',
      api: 'people',
      units: 1,
      scopes: SCOPES.contactsRead,
      queryParams: ['pageSize', 'pageToken', 'syncToken', 'groupFields'],
      handler(ctx) {
        const user = needUser(ctx);
        if ('status' in user) return user;
        const sizeRaw = ctx.query.get('pageSize');
        const size = sizeRaw === null ? 30 : Number(sizeRaw);
        if (!Number.isInteger(size) || size < 1 || size > 1000)
          return peopleError(400, 'Invalid pageSize.', 'INVALID_ARGUMENT');
        const groups = [...user.people.groups.values()];
        const offset = ctx.query.get('pageToken')
          ? Number(decode(ctx.query.get('pageToken') ?? '')?.o ?? Number.NaN)
          : 0;
        if (!Number.isInteger(offset)) return peopleError(400, 'Page token is invalid.', 'INVALID_ARGUMENT');
        const body: Record<string, unknown> = {
          contactGroups: groups.slice(offset, offset + size).map((g) => groupResource(user, g)),
          totalItems: groups.length,
        };
        if (offset + size < groups.length) body.nextPageToken = encode({ o: offset + size });
        else body.nextSyncToken = encode({ q: user.people.changeSeq, t: world.clock.now() });
        return json(body);
      },
    },
    {
      method: 'POST',
      pattern: '/v1/contactGroups',
      name: 'people.contactGroups.create',
      api: 'people',
      units: 1,
      scopes: SCOPES.contactsWrite,
      queryParams: [],
      handler(ctx) {
        const user = needUser(ctx);
        if ('status' in user) return user;
        const parsed = parseJsonBody(ctx.body);
        if (!parsed.ok) return parsed.reply;
        const name = (parsed.value as { contactGroup?: { name?: unknown } } | null)?.contactGroup?.name;
        if (typeof name !== 'string' || !name.trim())
          return peopleError(400, 'Contact group name must not be empty.', 'INVALID_ARGUMENT');
        for (const group of user.people.groups.values()) {
          if (group.name.toLowerCase() === name.trim().toLowerCase())
            return peopleError(409, 'Contact group name already exists.', 'ALREADY_EXISTS');
        }
        const resourceName = `contactGroups/${createHash('sha1').update(`${user.id}/group/${name}/${user.people.groups.size}`).digest('hex').slice(0, 12)}`;
        const group: ContactGroup = {
          resourceName,
          name: name.trim(),
          groupType: 'USER_CONTACT_GROUP',
          updateTime: world.clock.now(),
        };
        user.people.groups.set(resourceName, group);
        world.markDirty();
        return json(groupResource(user, group));
      },
    },
  ];
}

export { invalidArgument };
