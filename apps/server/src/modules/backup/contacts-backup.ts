// Contacts backup (People API connections) with a sync token; an expired token (400
// FAILED_PRECONDITION / EXPIRED_SYNC_TOKEN) → full listing compared with what is stored.
// Deleted contacts come back with metadata.deleted. Item key: the resourceName.
import { type Person, ResyncRequired } from '@safehold/google';
import { type ObjectItem, putObjectItems } from './object-items.ts';
import type { ServiceResult, ServiceRun } from './service-context.ts';

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
    const names = (person as { names?: Array<{ displayName?: string }> }).names;
    items.push({ key: person.resourceName, item: person, metadata: { displayName: names?.[0]?.displayName } });
  }
  const unchanged = await putObjectItems(run, items);
  if (full) for (const key of [...run.writer.current.keys()]) if (!seen.has(key)) run.writer.close(key);
  if (unchanged > 0) await run.writer.skip(unchanged);
  await run.writer.commit();
  return { cursor: { syncToken: cursor }, mode };
}
