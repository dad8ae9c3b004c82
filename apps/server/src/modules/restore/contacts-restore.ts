// Contacts restore through people:batchCreateContacts (200 a call; one by one when a batch
// fails), with the contact's groups: system groups
// (myContacts, starred) kept, user groups recreated in the target by name. Group names are
// read from the backed-up user's account (the backup keeps memberships by resource name only),
// so a membership of a group deleted since is dropped with a note. Every created contact
// carries clientData safeholdItem=<key>:<version>; one listing of the target's contacts finds
// those (and contacts with the same names, emails and phones: already present) before creating.
import { GoogleApiError, PEOPLE_BATCH_CREATE_MAX } from '@safehold/google';
import { selectVersions } from '../backup/index.ts';
import { storedObjectOf } from './restore-content.ts';
import type { PlannedItem, RestoreSelection, WorkItem } from './restore-store.ts';
import { type CreateOutcome, RestoreItemError, type ServiceWriter, type WriterContext } from './service-writer.ts';

const MARKER = 'safeholdItem';
/** Person fields people.createContact accepts. */
const WRITABLE_FIELDS = [
  'names',
  'nicknames',
  'emailAddresses',
  'phoneNumbers',
  'addresses',
  'organizations',
  'biographies',
  'birthdays',
  'events',
  'relations',
  'urls',
  'imClients',
  'sipAddresses',
  'occupations',
  'interests',
  'skills',
  'locations',
  'miscKeywords',
  'calendarUrls',
  'externalIds',
  'userDefined',
  'clientData',
] as const;
const SYSTEM_GROUPS = new Set(['contactGroups/myContacts', 'contactGroups/starred']);

type Person = Record<string, unknown>;

function values(person: Person, field: string, key: string): string[] {
  const list = person[field];
  if (!Array.isArray(list)) return [];
  return list.map((entry) => String((entry as Record<string, unknown>)?.[key] ?? '')).sort();
}

/** Names, emails and phones: what makes two contacts the same contact to a user. */
function fingerprint(person: Person): string {
  const names = Array.isArray(person.names)
    ? (person.names as Array<Record<string, unknown>>).map((n) => `${n.givenName ?? ''} ${n.familyName ?? ''}`).sort()
    : [];
  return JSON.stringify([names, values(person, 'emailAddresses', 'value'), values(person, 'phoneNumbers', 'value')]);
}

/** A field's entries without Google's per-entry metadata (source ids of the old contact). */
function withoutMetadata(list: unknown): unknown {
  if (!Array.isArray(list)) return list;
  return list.map((entry) => {
    if (!entry || typeof entry !== 'object') return entry;
    const { metadata: _metadata, ...rest } = entry as Record<string, unknown>;
    return rest;
  });
}

export function contactsWriter(w: WriterContext): ServiceWriter {
  const { restore, google } = w;
  const to = restore.toEmail;
  let existing: Promise<{ markers: Map<string, string>; prints: Map<string, string> }> | undefined;
  let sourceGroups: Promise<Map<string, string>> | undefined;
  let targetGroups: Promise<Map<string, string>> | undefined;
  const creating = new Map<string, Promise<string>>();

  function targetContacts() {
    existing ??= (async () => {
      const markers = new Map<string, string>();
      const prints = new Map<string, string>();
      for await (const page of google.people.listConnections(to, {
        personFields: 'names,emailAddresses,phoneNumbers,clientData',
      })) {
        for (const person of page.connections) {
          if (person.metadata?.deleted) continue;
          for (const data of (person.clientData as Array<{ key?: string; value?: string }> | undefined) ?? []) {
            if (data.key === MARKER && data.value) markers.set(data.value, person.resourceName);
          }
          prints.set(fingerprint(person), person.resourceName);
        }
      }
      return { markers, prints };
    })();
    return existing;
  }

  /** Group resource name → name in the backed-up user's account (empty when it cannot be read). */
  function groupNamesOfSource(): Promise<Map<string, string>> {
    sourceGroups ??= (async () => {
      const names = new Map<string, string>();
      try {
        for await (const group of google.people.listContactGroups(restore.fromEmail)) {
          if (group.name) names.set(group.resourceName, group.name);
        }
      } catch (error) {
        if (!(error instanceof GoogleApiError)) throw error;
        await w.note(
          `The contact groups of ${restore.fromEmail} could not be read (${error.message}): contacts are restored without their groups.`,
        );
      }
      return names;
    })();
    return sourceGroups;
  }

  function groupsOfTarget(): Promise<Map<string, string>> {
    targetGroups ??= (async () => {
      const byName = new Map<string, string>();
      for await (const group of google.people.listContactGroups(to)) {
        if (group.name && group.groupType !== 'SYSTEM_CONTACT_GROUP')
          byName.set(group.name.toLowerCase(), group.resourceName);
      }
      return byName;
    })();
    return targetGroups;
  }

  function groupNamed(name: string): Promise<string> {
    const key = name.toLowerCase();
    let pending = creating.get(key);
    if (!pending) {
      pending = (async () => {
        const known = (await groupsOfTarget()).get(key);
        if (known) return known;
        try {
          return (await google.people.createContactGroup(to, { name })).resourceName;
        } catch (error) {
          if (!(error instanceof GoogleApiError && error.status === 409)) throw error;
          targetGroups = undefined;
          const again = (await groupsOfTarget()).get(key);
          if (!again) throw error;
          return again;
        }
      })();
      creating.set(key, pending);
      pending.catch(() => creating.delete(key));
    }
    return pending;
  }

  async function memberships(person: Person): Promise<unknown[]> {
    const list = Array.isArray(person.memberships) ? (person.memberships as Array<Record<string, unknown>>) : [];
    const out: unknown[] = [];
    for (const membership of list) {
      const group = membership.contactGroupMembership as { contactGroupResourceName?: string } | undefined;
      const resourceName = group?.contactGroupResourceName;
      if (!resourceName) continue;
      if (SYSTEM_GROUPS.has(resourceName)) {
        out.push({ contactGroupMembership: { contactGroupResourceName: resourceName } });
        continue;
      }
      const sameAccount = restore.toEmail === restore.fromEmail && (await groupsOfTarget());
      const name = (await groupNamesOfSource()).get(resourceName);
      if (!name) {
        if (sameAccount && [...sameAccount.values()].includes(resourceName)) {
          out.push({ contactGroupMembership: { contactGroupResourceName: resourceName } });
        } else {
          await w.note(`Contact group ${resourceName} no longer exists: its memberships were not restored.`);
        }
        continue;
      }
      out.push({ contactGroupMembership: { contactGroupResourceName: await groupNamed(name) } });
    }
    return out;
  }

  async function readPerson(item: WorkItem): Promise<Person> {
    const person = await storedObjectOf(w.repository, item);
    if (!person || typeof person !== 'object' || Array.isArray(person))
      throw new RestoreItemError('not a contact object');
    return person as Person;
  }

  /** What people.createContact is sent: the writable fields, the marker, the groups (recreated by name). */
  async function createBody(item: WorkItem): Promise<Person> {
    const person = await readPerson(item);
    const body: Person = {};
    for (const field of WRITABLE_FIELDS) if (person[field] !== undefined) body[field] = withoutMetadata(person[field]);
    const marker = `${item.itemKey}:${item.version}`;
    const clientData = ((body.clientData as Array<{ key?: string }> | undefined) ?? []).filter((d) => d.key !== MARKER);
    body.clientData = [...clientData, { key: MARKER, value: marker }];
    const groups = await memberships(person);
    if (groups.length > 0) body.memberships = groups;
    return body;
  }

  return {
    lanes: 2,
    // One batchCreateContacts per page.
    pageSize: PEOPLE_BATCH_CREATE_MAX,
    async *plan(versions, selection: RestoreSelection) {
      let page: PlannedItem[] = [];
      for await (const version of selectVersions('contacts', versions, selection)) {
        page.push({ itemKey: version.itemKey, version: version.version, phase: 0 });
        if (page.length >= 500) {
          yield page;
          page = [];
        }
      }
      if (page.length > 0) yield page;
    },
    async findExisting(item) {
      const { markers, prints } = await targetContacts();
      const marked = markers.get(`${item.itemKey}:${item.version}`);
      if (marked) return marked;
      return prints.get(fingerprint(await readPerson(item)));
    },
    async create(item) {
      const created = await google.people.createContact(to, await createBody(item));
      return { targetId: created.resourceName };
    },
    async createMany(items) {
      const outcomes: CreateOutcome[] = new Array(items.length);
      const bodies: Array<{ index: number; body: Person }> = [];
      for (const [index, item] of items.entries()) {
        try {
          bodies.push({ index, body: await createBody(item) });
        } catch (error) {
          if (!(error instanceof RestoreItemError)) throw error;
          outcomes[index] = { ok: false, error };
        }
      }
      for (let start = 0; start < bodies.length; start += PEOPLE_BATCH_CREATE_MAX) {
        const chunk = bodies.slice(start, start + PEOPLE_BATCH_CREATE_MAX);
        let created: Awaited<ReturnType<typeof google.people.batchCreateContacts>>;
        try {
          created = await google.people.batchCreateContacts(
            to,
            chunk.map((entry) => entry.body),
          );
        } catch (error) {
          // All or nothing, and perhaps done after all: the items are retried one by one against
          // a fresh listing (which finds what the failed call did create by its marker).
          existing = undefined;
          throw error;
        }
        for (const [position, entry] of chunk.entries()) {
          const person = created[position];
          outcomes[entry.index] = person
            ? { ok: true, targetId: person.resourceName }
            : { ok: false, error: new RestoreItemError('not in the batch answer') };
        }
      }
      return outcomes;
    },
  };
}
