// Contacts backup (People API connections) with a sync token; an expired token (400
// FAILED_PRECONDITION / EXPIRED_SYNC_TOKEN) → full listing compared with what is stored.
// Deleted contacts come back with metadata.deleted. Item key: the resourceName. The metadata
// browse shows: the name, the primary email and phone.
import { type Person, ResyncRequired } from '@safehold/google';
import { type ObjectItem, putObjectItems } from './object-items.ts';
import type { ServiceResult, ServiceRun } from './service-context.ts';

type FieldValue = { value?: string; metadata?: { primary?: boolean } };
type PersonFields = {
  names?: Array<{ displayName?: string }>;
  emailAddresses?: FieldValue[];
  phoneNumbers?: FieldValue[];
};

/** The primary entry's value of a person field (People API marks one `metadata.primary`), else the first. */
function primaryValue(values: FieldValue[] | undefined): string | undefined {
  return (values?.find((entry) => entry.metadata?.primary) ?? values?.[0])?.value;
}

export async function backupContacts(run: ServiceRun): Promise<ServiceResult> {
  const token = typeof run.cursor?.syncToken === 'string' ? run.cursor.syncToken : undefined;
  let mode: ServiceResult['mode'] = token ? 'incremental' : 'full';
  let people: Person[] | undefined;
  let cursor = '';
  if (token) {
    try {
      const sync = await run.google.peopleSync.incremental(run.email, token);
      people = [];
      for await (const person of sync) people.push(person);
      cursor = sync.cursor;
    } catch (error) {
      if (!(error instanceof ResyncRequired)) throw error;
      mode = 'resync';
    }
  }
  const full = !people;
  if (!people) {
    const sync = await run.google.peopleSync.full(run.email);
    people = [];
    for await (const person of sync) people.push(person);
    cursor = sync.cursor;
  }
  const seen = new Set<string>();
  const items: ObjectItem[] = [];
  for (const person of people) {
    if (person.metadata?.deleted) {
      run.writer.close(person.resourceName);
      continue;
    }
    seen.add(person.resourceName);
    const { names, emailAddresses, phoneNumbers } = person as PersonFields;
    items.push({
      key: person.resourceName,
      item: person,
      metadata: {
        displayName: names?.[0]?.displayName,
        email: primaryValue(emailAddresses),
        phone: primaryValue(phoneNumbers),
      },
    });
  }
  const unchanged = await putObjectItems(run, items);
  if (full) for (const key of [...run.writer.current.keys()]) if (!seen.has(key)) run.writer.close(key);
  if (unchanged > 0) await run.writer.skip(unchanged);
  await run.writer.commit();
  return { cursor: { syncToken: cursor }, mode };
}
