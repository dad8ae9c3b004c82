// People API v1 (https://developers.google.com/people/api/rest): the user's contacts with sync
// tokens (expired after 7 days: HTTP 400 FAILED_PRECONDITION / EXPIRED_SYNC_TOKEN, not 410),
// contact groups, and createContact for restore.
import { z } from 'zod';
import { itemsOf, paginate } from '../http/pagination.ts';
import type { ApiContext } from './api-context.ts';

/** Every person field a backup keeps. */
export const DEFAULT_PERSON_FIELDS =
  'addresses,biographies,birthdays,calendarUrls,clientData,emailAddresses,events,externalIds,imClients,interests,' +
  'locations,memberships,metadata,miscKeywords,names,nicknames,occupations,organizations,phoneNumbers,photos,' +
  'relations,sipAddresses,skills,urls,userDefined';

export const personSchema = z.looseObject({
  resourceName: z.string(),
  etag: z.string().optional(),
  metadata: z.looseObject({ deleted: z.boolean().optional() }).optional(),
});
export type Person = z.infer<typeof personSchema>;

export const connectionsPageSchema = z.object({
  connections: z.array(personSchema).default([]),
  nextPageToken: z.string().optional(),
  nextSyncToken: z.string().optional(),
  totalItems: z.number().optional(),
});
export type ConnectionsPage = z.infer<typeof connectionsPageSchema>;

/** Every field otherContacts.list can return (its readMask accepts only these). */
export const OTHER_CONTACT_FIELDS = 'emailAddresses,metadata,names,phoneNumbers,photos';

export const otherContactsPageSchema = z.object({
  otherContacts: z.array(personSchema).default([]),
  nextPageToken: z.string().optional(),
  nextSyncToken: z.string().optional(),
  totalSize: z.number().optional(),
});
export type OtherContactsPage = z.infer<typeof otherContactsPageSchema>;

export const contactGroupSchema = z.looseObject({
  resourceName: z.string(),
  name: z.string().optional(),
  groupType: z.string().optional(),
});
export type ContactGroup = z.infer<typeof contactGroupSchema>;

export interface PeopleApi {
  /** Connection pages, requesting a sync token; an expired `syncToken` is a GoogleApiError classified `resync`. */
  listConnections(
    user: string,
    options?: { syncToken?: string; personFields?: string; pageSize?: number },
  ): AsyncGenerator<ConnectionsPage, void, undefined>;
  /** "Other contacts" (people the user wrote to, never saved), with sync tokens expiring like connections'. */
  listOtherContacts(
    user: string,
    options?: { syncToken?: string; pageSize?: number },
  ): AsyncGenerator<OtherContactsPage, void, undefined>;
  createContact(user: string, person: Record<string, unknown>, options?: { personFields?: string }): Promise<Person>;
  /**
   * people:batchCreateContacts (≤ 200 per call, all or nothing: one invalid contact refuses the
   * call): the created people in the order given. Not retried on 5xx (it may have been done).
   */
  batchCreateContacts(
    user: string,
    people: readonly Record<string, unknown>[],
    options?: { readMask?: string },
  ): Promise<Person[]>;
  listContactGroups(user: string): AsyncGenerator<ContactGroup, void, undefined>;
  createContactGroup(
    user: string,
    group: { name: string; clientData?: Array<{ key: string; value: string }> },
  ): Promise<ContactGroup>;
}

/** people:batchCreateContacts takes at most this many contacts. */
export const PEOPLE_BATCH_CREATE_MAX = 200;

const batchCreateSchema = z.object({
  createdPeople: z.array(z.looseObject({ person: personSchema, httpStatusCode: z.number().optional() })).default([]),
});

export function createPeopleApi(ctx: ApiContext): PeopleApi {
  const base = () => `${ctx.endpoints.api('people')}/v1`;
  const post = (user: string, operation: string, url: string, body: unknown, query: Record<string, string> = {}) => ({
    api: 'people' as const,
    operation,
    user,
    method: 'POST' as const,
    url,
    query,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    listConnections(user, options = {}) {
      return paginate('people.connections.list', (pageToken) =>
        ctx.transport.json(
          {
            api: 'people',
            operation: 'people.connections.list',
            user,
            method: 'GET',
            url: `${base()}/people/me/connections`,
            query: {
              personFields: options.personFields ?? DEFAULT_PERSON_FIELDS,
              pageSize: options.pageSize ?? 1000,
              requestSyncToken: true,
              syncToken: options.syncToken,
              pageToken,
            },
          },
          connectionsPageSchema,
        ),
      );
    },
    listOtherContacts(user, options = {}) {
      return paginate('people.otherContacts.list', (pageToken) =>
        ctx.transport.json(
          {
            api: 'people',
            operation: 'people.otherContacts.list',
            user,
            method: 'GET',
            url: `${base()}/otherContacts`,
            query: {
              readMask: OTHER_CONTACT_FIELDS,
              pageSize: options.pageSize ?? 1000,
              requestSyncToken: true,
              syncToken: options.syncToken,
              pageToken,
            },
          },
          otherContactsPageSchema,
        ),
      );
    },
    createContact(user, person, options = {}) {
      return ctx.transport.json(
        post(user, 'people.people.createContact', `${base()}/people:createContact`, person, {
          personFields: options.personFields ?? 'names,emailAddresses,metadata',
        }),
        personSchema,
      );
    },
    async batchCreateContacts(user, people, options = {}) {
      if (people.length > PEOPLE_BATCH_CREATE_MAX)
        throw new RangeError(`batchCreateContacts takes at most ${PEOPLE_BATCH_CREATE_MAX} contacts`);
      const answer = await ctx.transport.json(
        {
          ...post(user, 'people.people.batchCreateContacts', `${base()}/people:batchCreateContacts`, {
            contacts: people.map((contactPerson) => ({ contactPerson })),
            readMask: options.readMask ?? 'names,emailAddresses,metadata',
          }),
          cost: people.length,
        },
        batchCreateSchema,
      );
      return answer.createdPeople.map((created) => created.person);
    },
    listContactGroups(user) {
      const pages = paginate('people.contactGroups.list', (pageToken) =>
        ctx.transport.json(
          {
            api: 'people',
            operation: 'people.contactGroups.list',
            user,
            method: 'GET',
            url: `${base()}/contactGroups`,
            query: { pageSize: 1000, groupFields: 'name,groupType,clientData,memberCount,metadata', pageToken },
          },
          z.object({ contactGroups: z.array(contactGroupSchema).default([]), nextPageToken: z.string().optional() }),
        ),
      );
      return itemsOf(pages, (page) => page.contactGroups);
    },
    createContactGroup(user, group) {
      return ctx.transport.json(
        post(user, 'people.contactGroups.create', `${base()}/contactGroups`, { contactGroup: group }),
        contactGroupSchema,
      );
    },
  };
}
