import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../index.ts';
import { accessToken, clientsFor, failure, SMALL_DOMAIN } from '../test-support/google-clients.ts';

const D = 'cpd.test';
const ADMIN = `admin@${D}`;
const ALICE = `alice.martin@${D}`;
let emulator: RunningEmulator;
let c: ReturnType<typeof clientsFor>;

before(async () => {
  emulator = await startEmulator({
    domain: D,
    users: 5,
    generate: { ...SMALL_DOMAIN, eventsPerUser: 12, contactsPerUser: 9 },
  });
  c = clientsFor(emulator.url, emulator.serviceAccountKey, ADMIN);
});
after(() => emulator.stop());

test('directory: users list pages with customer=my_customer, get by email, org units', async () => {
  const first = await c.admin.users.list({ customer: 'my_customer', maxResults: 2, orderBy: 'email' });
  assert.equal(first.data.users?.length, 2);
  const second = await c.admin.users.list({
    customer: 'my_customer',
    maxResults: 500,
    pageToken: first.data.nextPageToken ?? '',
  });
  assert.equal(second.data.users?.length, 3);
  const admin = first.data.users?.find((u) => u.primaryEmail === ADMIN);
  assert.equal(admin?.isAdmin, true);
  assert.equal(admin?.name?.fullName, 'Admin Cpd');
  const byDomain = await c.admin.users.list({ domain: D });
  assert.equal(byDomain.data.users?.length, 5);
  const one = await c.admin.users.get({ userKey: ALICE });
  assert.equal(one.data.primaryEmail, ALICE);
  assert.match(one.data.creationTime ?? '', /^\d{4}-/);
  const units = await c.admin.orgunits.list({ customerId: 'my_customer', type: 'all' });
  assert.equal(units.data.organizationUnits?.[0]?.orgUnitPath, '/Sales');
  const missing = await failure(c.admin.users.get({ userKey: `nobody@${D}` }));
  assert.equal(missing.status, 404);
  const nonAdmin = await failure(
    clientsFor(emulator.url, emulator.serviceAccountKey, ALICE).admin.users.list({ customer: 'my_customer' }),
  );
  assert.equal(nonAdmin.status, 403);
  assert.equal(nonAdmin.body.error?.message, 'Not Authorized to access this resource/api');
});

test('directory: suspended and deleted users show up as Google reports them', async () => {
  const accounts = emulator.control.listAccounts(D).map((a) => a.email);
  const [suspended = '', deletedUser = ''] = accounts.slice(3);
  emulator.control.suspendUser({ email: suspended });
  const list = await c.admin.users.list({ customer: 'my_customer' });
  assert.equal(list.data.users?.find((u) => u.primaryEmail === suspended)?.suspended, true);
  const suspendedToken = await failure(
    clientsFor(emulator.url, emulator.serviceAccountKey, suspended).gmail.users.getProfile({ userId: 'me' }),
  );
  assert.equal(suspendedToken.status, 400);
  emulator.control.deleteUser({ email: deletedUser });
  const active = await c.admin.users.list({ customer: 'my_customer' });
  assert.ok(!active.data.users?.some((u) => u.primaryEmail === deletedUser));
  const deleted = await c.admin.users.list({ customer: 'my_customer', showDeleted: 'true' });
  assert.deepEqual(
    deleted.data.users?.map((u) => u.primaryEmail),
    [deletedUser],
  );
  assert.ok(deleted.data.users?.[0]?.deletionTime);
});

test('calendar: a user has a secondary calendar whose events list separately from the primary', async () => {
  const calendars = (await c.calendar.calendarList.list({})).data.items ?? [];
  assert.equal(calendars.length, 2);
  const secondary = calendars.find((calendar) => !calendar.primary);
  assert.ok(secondary?.id?.endsWith('@group.calendar.google.com'));
  assert.equal(secondary?.summary, 'Projects');
  const events = (await c.calendar.events.list({ calendarId: secondary?.id ?? '' })).data.items ?? [];
  assert.equal(events.length, 3, 'a quarter of the 12 primary events, rounded up');
  const primaryIds = new Set(
    ((await c.calendar.events.list({ calendarId: 'primary', maxResults: 2500 })).data.items ?? []).map((e) => e.id),
  );
  assert.ok(events.every((event) => !primaryIds.has(event.id)));
});

test('calendar: calendarList, full sync in pages, incremental sync with cancelled events', async () => {
  const calendars = await c.calendar.calendarList.list({});
  assert.equal(calendars.data.items?.[0]?.id, ADMIN);
  assert.equal(calendars.data.items?.[0]?.primary, true);
  const events = [];
  let pageToken: string | undefined;
  let syncToken: string | undefined;
  do {
    const { data } = await c.calendar.events.list({
      calendarId: 'primary',
      maxResults: 5,
      pageToken,
      singleEvents: false,
      showDeleted: true,
    });
    events.push(...(data.items ?? []));
    pageToken = data.nextPageToken ?? undefined;
    if (pageToken) assert.equal(data.nextSyncToken, undefined);
    syncToken = data.nextSyncToken ?? undefined;
  } while (pageToken);
  assert.ok(events.length >= 12);
  assert.ok(events.some((e) => e.recurrence?.[0]?.startsWith('RRULE:')));
  assert.ok(syncToken);
  const changed = events[0]?.id ?? '';
  emulator.control.changeEvent({ email: ADMIN, id: changed, summary: 'Renamed' });
  emulator.control.changeEvent({ email: ADMIN, id: events[1]?.id ?? '', delete: true });
  const incremental = await c.calendar.events.list({ calendarId: 'primary', syncToken });
  assert.deepEqual(
    incremental.data.items?.map((e) => [e.id, e.status, e.summary ?? null]).sort(),
    [
      [changed, 'confirmed', 'Renamed'],
      [events[1]?.id, 'cancelled', events[1]?.summary ?? null],
    ].sort(),
  );
  const mixed = await failure(
    c.calendar.events.list({
      calendarId: 'primary',
      syncToken: incremental.data.nextSyncToken ?? '',
      timeMin: '2020-01-01T00:00:00Z',
    }),
  );
  assert.equal(mixed.status, 400);
});

test('calendar: expired sync token answers 410 fullSyncRequired', async () => {
  const { data } = await c.calendar.events.list({ calendarId: 'primary', maxResults: 2500 });
  emulator.control.advanceClock({ ms: 31 * 24 * 3600_000 });
  const expired = await failure(c.calendar.events.list({ calendarId: 'primary', syncToken: data.nextSyncToken ?? '' }));
  assert.equal(expired.status, 410);
  assert.equal(expired.body.error?.errors?.[0]?.reason, 'fullSyncRequired');
  const fresh = await c.calendar.events.list({ calendarId: 'primary' });
  emulator.control.expireCursors({ email: ADMIN });
  assert.equal(
    (await failure(c.calendar.events.list({ calendarId: 'primary', syncToken: fresh.data.nextSyncToken ?? '' })))
      .status,
    410,
  );
});

test('calendar: import keeps the iCalUID and is idempotent; insert creates; unknown calendar is 404', async () => {
  const body = {
    iCalUID: 'restore-1@example.test',
    summary: 'Restored',
    start: { dateTime: '2026-05-01T10:00:00Z' },
    end: { dateTime: '2026-05-01T11:00:00Z' },
  };
  const first = await c.calendar.events.import({ calendarId: 'primary', requestBody: body });
  const second = await c.calendar.events.import({
    calendarId: 'primary',
    requestBody: { ...body, summary: 'Restored again' },
  });
  assert.equal(first.data.iCalUID, 'restore-1@example.test');
  assert.equal(second.data.id, first.data.id);
  const found = await c.calendar.events.list({ calendarId: 'primary', iCalUID: 'restore-1@example.test' });
  assert.equal(found.data.items?.length, 1);
  const inserted = await c.calendar.events.insert({
    calendarId: 'primary',
    requestBody: { summary: 'New', start: { date: '2026-06-01' }, end: { date: '2026-06-02' } },
  });
  assert.match(inserted.data.iCalUID ?? '', /@google\.com$/);
  const missingUid = await failure(
    c.calendar.events.import({
      calendarId: 'primary',
      requestBody: { summary: 'x', start: body.start, end: body.end },
    }),
  );
  assert.equal(missingUid.status, 400);
  const unknown = await failure(c.calendar.events.list({ calendarId: 'someone-else@cpd.test' }));
  assert.equal(unknown.status, 404);
});

test('people: connections in pages with a sync token; changes and deletions come back incrementally', async () => {
  const all = [];
  let pageToken: string | undefined;
  let syncToken: string | undefined;
  do {
    const { data } = await c.people.people.connections.list({
      resourceName: 'people/me',
      personFields: 'names,emailAddresses,memberships',
      pageSize: 4,
      pageToken,
      requestSyncToken: true,
    });
    all.push(...(data.connections ?? []));
    pageToken = data.nextPageToken ?? undefined;
    syncToken = data.nextSyncToken ?? undefined;
  } while (pageToken);
  assert.equal(all.length, 9);
  assert.ok(syncToken);
  const target = all[0]?.resourceName ?? '';
  emulator.control.changeContact({ email: ADMIN, resourceName: target, delete: true });
  const added = emulator.control.changeContact({ email: ADMIN, givenName: 'Zed', familyName: 'New' });
  const delta = await c.people.people.connections.list({
    resourceName: 'people/me',
    personFields: 'names',
    syncToken,
    requestSyncToken: true,
  });
  const byName = new Map(delta.data.connections?.map((p) => [p.resourceName, p]));
  assert.equal(byName.get(target)?.metadata?.deleted, true);
  assert.equal(byName.get(added.resourceName)?.names?.[0]?.givenName, 'Zed');
  const noMask = await failure(c.people.people.connections.list({ resourceName: 'people/me' }));
  assert.equal(noMask.status, 400);
});

test('people: sync token expires after 7 days with 400 FAILED_PRECONDITION / EXPIRED_SYNC_TOKEN', async () => {
  const { data } = await c.people.people.connections.list({
    resourceName: 'people/me',
    personFields: 'names',
    pageSize: 1000,
    requestSyncToken: true,
  });
  emulator.control.advanceClock({ ms: 7 * 24 * 3600_000 + 60_000 });
  const expired = await failure(
    c.people.people.connections.list({
      resourceName: 'people/me',
      personFields: 'names',
      syncToken: data.nextSyncToken ?? '',
    }),
  );
  assert.equal(expired.status, 400);
  assert.equal(expired.body.error?.status, 'FAILED_PRECONDITION');
  assert.equal(
    expired.body.error?.message,
    'Sync token is expired. Clear local cache and retry call without the sync token.',
  );
  assert.equal(expired.body.error?.details?.[0]?.reason, 'EXPIRED_SYNC_TOKEN');
});

test('people: createContact and contact groups list/create', async () => {
  const groups = await c.people.contactGroups.list({});
  assert.ok(groups.data.contactGroups?.some((g) => g.resourceName === 'contactGroups/myContacts'));
  const group = await c.people.contactGroups.create({ requestBody: { contactGroup: { name: 'Restored group' } } });
  assert.match(group.data.resourceName ?? '', /^contactGroups\//);
  const duplicate = await failure(
    c.people.contactGroups.create({ requestBody: { contactGroup: { name: 'Restored group' } } }),
  );
  assert.equal(duplicate.status, 409);
  const person = await c.people.people.createContact({
    personFields: 'names,emailAddresses,memberships',
    requestBody: {
      names: [{ givenName: 'Zoë', familyName: 'Restored' }],
      emailAddresses: [{ value: 'zoe@restored.example' }],
      memberships: [{ contactGroupMembership: { contactGroupResourceName: group.data.resourceName ?? '' } }],
    },
  });
  assert.match(person.data.resourceName ?? '', /^people\/c\d+$/);
  assert.equal(person.data.names?.[0]?.givenName, 'Zoë');
  const after = await c.people.contactGroups.list({});
  assert.equal(after.data.contactGroups?.find((g) => g.resourceName === group.data.resourceName)?.memberCount, 1);
});

test('people: clientData given to createContact is kept and listed with personFields=clientData', async () => {
  const created = await c.people.people.createContact({
    personFields: 'names,clientData',
    requestBody: {
      names: [{ givenName: 'Marked', familyName: 'Contact' }],
      clientData: [{ key: 'safeholdItem', value: 'people/c1:3' }],
    },
  });
  assert.equal(created.data.clientData?.[0]?.value, 'people/c1:3');
  const listed = await c.people.people.connections.list({
    resourceName: 'people/me',
    personFields: 'names,clientData',
    pageSize: 1000,
  });
  const found = listed.data.connections?.find((p) => p.resourceName === created.data.resourceName);
  assert.deepEqual(
    found?.clientData?.map((d) => [d.key, d.value]),
    [['safeholdItem', 'people/c1:3']],
  );
});

test('people: otherContacts answers in shape and requires readMask', async () => {
  const list = await c.people.otherContacts.list({ readMask: 'names,emailAddresses', requestSyncToken: true });
  assert.equal(list.data.totalSize, 0);
  assert.ok(list.data.nextSyncToken);
  const noMask = await failure(c.people.otherContacts.list({}));
  assert.equal(noMask.status, 400);
});

test('calendar: importing a recurring event and its exception twice leaves one of each', async () => {
  const parent = {
    iCalUID: 'series-1@example.test',
    summary: 'Weekly',
    start: { dateTime: '2026-07-06T09:00:00Z' },
    end: { dateTime: '2026-07-06T10:00:00Z' },
    recurrence: ['RRULE:FREQ=WEEKLY;COUNT=5'],
  };
  const exception = {
    iCalUID: 'series-1@example.test',
    summary: 'Weekly (moved)',
    originalStartTime: { dateTime: '2026-07-13T09:00:00Z' },
    start: { dateTime: '2026-07-13T11:00:00Z' },
    end: { dateTime: '2026-07-13T12:00:00Z' },
  };
  for (let round = 0; round < 2; round++) {
    await c.calendar.events.import({ calendarId: 'primary', requestBody: parent });
    await c.calendar.events.import({ calendarId: 'primary', requestBody: exception });
  }
  const found = await c.calendar.events.list({ calendarId: 'primary', iCalUID: 'series-1@example.test' });
  assert.equal(found.data.items?.length, 2);
  const series = found.data.items?.find((e) => e.recurrence);
  assert.equal(found.data.items?.find((e) => e.originalStartTime)?.recurringEventId, series?.id);
});

test('people: batchCreateContacts creates every contact at once, counts one unit per contact, and is all or nothing', async () => {
  emulator.control.counters({ reset: true });
  const created = await c.people.people.batchCreateContacts({
    requestBody: {
      readMask: 'names,clientData',
      contacts: [1, 2, 3].map((n) => ({
        contactPerson: {
          names: [{ givenName: `Batch${n}`, familyName: 'Contact' }],
          clientData: [{ key: 'safeholdItem', value: `people/b${n}:1` }],
        },
      })),
    },
  });
  const people = created.data.createdPeople ?? [];
  assert.deepEqual(
    people.map((p) => [p.httpStatusCode, p.person?.names?.[0]?.givenName, p.person?.clientData?.[0]?.value]),
    [
      [200, 'Batch1', 'people/b1:1'],
      [200, 'Batch2', 'people/b2:1'],
      [200, 'Batch3', 'people/b3:1'],
    ],
  );
  const counted = emulator.control.counters().find((entry) => entry.endpoint === 'people.people.batchCreateContacts');
  assert.deepEqual({ count: counted?.count, units: counted?.units }, { count: 1, units: 3 });

  const listed = async () =>
    (await c.people.people.connections.list({ resourceName: 'people/me', personFields: 'names', pageSize: 1000 })).data
      .connections?.length ?? 0;
  const before = await listed();
  const refused = await failure(
    c.people.people.batchCreateContacts({
      requestBody: {
        readMask: 'names',
        contacts: [
          { contactPerson: { names: [{ givenName: 'Fine' }] } },
          {
            contactPerson: {
              names: [{ givenName: 'In a missing group' }],
              memberships: [{ contactGroupMembership: { contactGroupResourceName: 'contactGroups/nope' } }],
            },
          },
        ],
      },
    }),
  );
  assert.equal(refused.status, 400);
  assert.equal(await listed(), before, 'nothing of a refused batch is created');
  const noMask = await failure(
    c.people.people.batchCreateContacts({ requestBody: { contacts: [{ contactPerson: { names: [] } }] } }),
  );
  assert.equal(noMask.status, 400);
  const tooMany = await failure(
    c.people.people.batchCreateContacts({
      requestBody: {
        readMask: 'names',
        contacts: Array.from({ length: 201 }, () => ({ contactPerson: { names: [{ givenName: 'x' }] } })),
      },
    }),
  );
  assert.equal(tooMany.status, 400);
  assert.equal(await listed(), before);
});

test('calendar: /batch/calendar/v3 imports each part, answers each part on its own, and counts each as a call', async () => {
  const token = await accessToken(emulator.url, emulator.serviceAccountKey, ADMIN);
  const boundary = 'batch_calendar';
  const event = (uid: string) =>
    JSON.stringify({
      iCalUID: uid,
      summary: uid,
      start: { dateTime: '2026-12-01T10:00:00Z' },
      end: { dateTime: '2026-12-01T11:00:00Z' },
    });
  const bodies = [event('batch-a@test'), JSON.stringify({ summary: 'no iCalUID' }), event('batch-b@test')];
  const parts = bodies
    .map(
      (body, index) =>
        `--${boundary}\r\nContent-Type: application/http\r\nContent-ID: <item-${index}>\r\n\r\n` +
        `POST /calendar/v3/calendars/primary/events/import\r\nContent-Type: application/json\r\n\r\n${body}\r\n`,
    )
    .join('');
  emulator.control.counters({ reset: true });
  const response = await fetch(`${emulator.url}/batch/calendar/v3`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/mixed; boundary=${boundary}` },
    body: `${parts}--${boundary}--\r\n`,
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^multipart\/mixed; boundary=/);
  const text = await response.text();
  const statuses = [...text.matchAll(/Content-ID: <response-item-(\d)>\r\n\r\nHTTP\/1\.1 (\d{3})/g)].map((m) => [
    m[1],
    m[2],
  ]);
  assert.deepEqual(statuses, [
    ['0', '200'],
    ['1', '400'],
    ['2', '200'],
  ]);
  const imported = emulator.control.counters().find((entry) => entry.endpoint === 'calendar.events.import');
  assert.equal(imported?.count, 3, 'every part is a call of its own');
  const listed = (await c.calendar.events.list({ calendarId: 'primary', maxResults: 2500 })).data.items ?? [];
  assert.deepEqual(
    listed.filter((e) => e.iCalUID?.startsWith('batch-')).map((e) => e.iCalUID),
    ['batch-a@test', 'batch-b@test'],
  );
});
