import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GoogleApiError, ResyncRequired } from '../errors.ts';
import { answerPages, sendGoogleError, sendJson, startScriptedGoogle } from '../testing/scripted-google.ts';

const user = 'ann@example.com';

async function drain<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

test('calendarSync: full listing ends on nextSyncToken of the last page; incremental sends it with deleted events', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('GET', '/calendar/v3/users/me/calendarList', (_req, res) =>
    sendJson(res, 200, {
      items: [{ id: 'ann@example.com', primary: true }, { id: 'team#holiday@group.v.calendar.google.com' }],
    }),
  );
  google.route('GET', '/calendar/v3/calendars/ann%40example.com/events', (req, res) => {
    if (req.query.get('syncToken') === 'sync-1')
      return sendJson(res, 200, { items: [{ id: 'e1', status: 'cancelled' }], nextSyncToken: 'sync-2' });
    return answerPages({
      '': {
        items: [{ id: 'e1', status: 'confirmed', iCalUID: 'e1@google.com', recurrence: ['RRULE:FREQ=WEEKLY'] }],
        nextPageToken: 'p2',
      },
      p2: { items: [{ id: 'e2', status: 'confirmed' }], nextSyncToken: 'sync-1' },
    })(req, res);
  });
  const client = google.client();
  const calendars = await drain(client.calendar.listCalendars(user));
  assert.equal(calendars.length, 2);
  const full = await client.calendarSync.full(user, 'ann@example.com');
  const events = await drain(full);
  assert.deepEqual(
    events.map((e) => e.id),
    ['e1', 'e2'],
  );
  assert.deepEqual(events[0]?.recurrence, ['RRULE:FREQ=WEEKLY'], 'unknown fields are kept for the backup');
  assert.equal(full.cursor, 'sync-1');
  const first = google.calls('GET', /\/events$/)[0]?.query;
  assert.equal(first?.get('showDeleted'), 'true');
  assert.equal(first?.get('singleEvents'), 'false');
  assert.equal(first?.get('maxResults'), '2500');
  const incremental = await client.calendarSync.incremental(user, 'ann@example.com', 'sync-1');
  assert.deepEqual(
    (await drain(incremental)).map((e) => e.status),
    ['cancelled'],
  );
  assert.equal(incremental.cursor, 'sync-2');
});

test('an expired Calendar sync token (410 fullSyncRequired) throws ResyncRequired', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('GET', /\/events$/, (_req, res) =>
    sendGoogleError(res, 410, 'fullSyncRequired', 'Sync token is no longer valid, a full sync is required.', {
      googleStatus: 'GONE',
    }),
  );
  await assert.rejects(google.client().calendarSync.incremental(user, 'primary', 'old'), ResyncRequired);
});

test('events.import may be repeated after a 500 (keyed by iCalUID); events.insert is not', async (t) => {
  const google = await startScriptedGoogle(t);
  let importFailures = 1;
  google.route('POST', '/calendar/v3/calendars/primary/events/import', (req, res) => {
    if (importFailures-- > 0) return sendGoogleError(res, 500, 'backendError', 'Backend Error');
    sendJson(res, 200, { id: 'e9', ...JSON.parse(req.body.toString()) });
  });
  google.route('POST', '/calendar/v3/calendars/primary/events', (_req, res) =>
    sendGoogleError(res, 500, 'backendError', 'Backend Error'),
  );
  const client = google.client();
  const imported = await client.calendar.importEvent(user, 'primary', { iCalUID: 'x@y', summary: 'Standup' });
  assert.equal(imported.iCalUID, 'x@y');
  assert.equal(google.calls('POST', /\/import$/).length, 2);
  assert.equal(google.calls('POST', /\/import$/)[0]?.query.get('sendUpdates'), null);
  await assert.rejects(client.calendar.insertEvent(user, 'primary', { summary: 'x' }), GoogleApiError);
  assert.equal(google.calls('POST', '/calendar/v3/calendars/primary/events').length, 1);
  assert.equal(google.calls('POST', '/calendar/v3/calendars/primary/events')[0]?.query.get('sendUpdates'), 'none');
});

test('peopleSync: sync token on the last page, kept on every page of an incremental run, deleted contacts flagged', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('GET', '/v1/people/me/connections', (req, res) => {
    if (req.query.get('syncToken') === 'ps-1') {
      return answerPages({
        '': { connections: [{ resourceName: 'people/c1', metadata: { deleted: true } }], nextPageToken: 'q2' },
        q2: { connections: [{ resourceName: 'people/c3', names: [{ displayName: 'New' }] }], nextSyncToken: 'ps-2' },
      })(req, res);
    }
    return answerPages({
      '': { connections: [{ resourceName: 'people/c1' }], nextPageToken: 'n2', totalItems: 2 },
      n2: { connections: [{ resourceName: 'people/c2' }], nextSyncToken: 'ps-1', totalItems: 2 },
    })(req, res);
  });
  const client = google.client();
  const full = await client.peopleSync.full(user);
  assert.deepEqual(
    (await drain(full)).map((p) => p.resourceName),
    ['people/c1', 'people/c2'],
  );
  assert.equal(full.cursor, 'ps-1');
  const calls = google.calls('GET', '/v1/people/me/connections');
  assert.equal(calls[0]?.query.get('requestSyncToken'), 'true');
  assert.match(calls[0]?.query.get('personFields') ?? '', /names,.*emailAddresses|emailAddresses.*names/);
  const incremental = await client.peopleSync.incremental(user, 'ps-1');
  const changed = await drain(incremental);
  assert.equal(changed[0]?.metadata?.deleted, true);
  assert.equal(incremental.cursor, 'ps-2');
  const secondPage = google.calls('GET', '/v1/people/me/connections')[3];
  assert.equal(secondPage?.query.get('pageToken'), 'q2');
  assert.equal(secondPage?.query.get('syncToken'), 'ps-1');
});

test('an expired People sync token (400 FAILED_PRECONDITION, EXPIRED_SYNC_TOKEN) throws ResyncRequired', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('GET', '/v1/people/me/connections', (_req, res) =>
    sendGoogleError(
      res,
      400,
      'failedPrecondition',
      'Sync token is expired. Clear local cache and retry call without the sync token.',
      {
        googleStatus: 'FAILED_PRECONDITION',
        errorInfoReason: 'EXPIRED_SYNC_TOKEN',
      },
    ),
  );
  await assert.rejects(google.client().peopleSync.incremental(user, 'old'), (error: unknown) => {
    assert.ok(error instanceof ResyncRequired);
    assert.ok(error.cause instanceof GoogleApiError && error.cause.errorInfoReason === 'EXPIRED_SYNC_TOKEN');
    return true;
  });
});

test('other contacts have their own sync token; an expired one throws ResyncRequired', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('GET', '/v1/otherContacts', (req, res) => {
    if (req.query.get('syncToken') === 'expired') {
      return sendGoogleError(
        res,
        400,
        'failedPrecondition',
        'Sync token is expired. Clear local cache and retry call without the sync token.',
        {
          googleStatus: 'FAILED_PRECONDITION',
        },
      );
    }
    sendJson(res, 200, { otherContacts: [{ resourceName: 'otherContacts/o1' }], nextSyncToken: 'oc-1' });
  });
  const client = google.client();
  const run = await client.peopleSync.fullOther(user);
  assert.deepEqual(
    (await drain(run)).map((p) => p.resourceName),
    ['otherContacts/o1'],
  );
  assert.equal(run.cursor, 'oc-1');
  assert.equal(google.requests[0]?.query.get('readMask'), 'emailAddresses,metadata,names,phoneNumbers,photos');
  assert.equal(google.requests[0]?.query.get('requestSyncToken'), 'true');
  await assert.rejects(client.peopleSync.incrementalOther(user, 'expired'), ResyncRequired);
  assert.match(String(google.issuedTokens[0]?.claims.scope), /contacts\.other\.readonly/);
});

test('createContact and contact groups', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('POST', '/v1/people:createContact', (req, res) =>
    sendJson(res, 200, { resourceName: 'people/c7', ...JSON.parse(req.body.toString()) }),
  );
  google.route('GET', '/v1/contactGroups', (_req, res) =>
    sendJson(res, 200, {
      contactGroups: [{ resourceName: 'contactGroups/myContacts', groupType: 'SYSTEM_CONTACT_GROUP' }],
    }),
  );
  google.route('POST', '/v1/contactGroups', (req, res) =>
    sendJson(res, 200, { resourceName: 'contactGroups/g1', name: JSON.parse(req.body.toString()).contactGroup.name }),
  );
  const client = google.client();
  assert.equal((await client.people.createContact(user, { names: [{ givenName: 'Zoe' }] })).resourceName, 'people/c7');
  assert.equal((await drain(client.people.listContactGroups(user)))[0]?.groupType, 'SYSTEM_CONTACT_GROUP');
  assert.equal((await client.people.createContactGroup(user, { name: 'Restored' })).name, 'Restored');
});

test('directory users.list pages with customer=my_customer and showDeleted; users.get and orgunits.list', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route(
    'GET',
    '/admin/directory/v1/users',
    answerPages({
      '': {
        users: [{ id: '1', primaryEmail: 'ann@example.com', isAdmin: true, name: { fullName: 'Ann' } }],
        nextPageToken: 'u2',
      },
      u2: { users: [{ id: '2', primaryEmail: 'old@example.com', deletionTime: '2026-01-01T00:00:00Z' }] },
    }),
  );
  google.route('GET', '/admin/directory/v1/users/ann%40example.com', (_req, res) =>
    sendJson(res, 200, { id: '1', primaryEmail: 'ann@example.com', suspended: false }),
  );
  google.route('GET', '/admin/directory/v1/customer/my_customer/orgunits', (_req, res) =>
    sendJson(res, 200, { organizationUnits: [{ orgUnitPath: '/Sales', name: 'Sales' }] }),
  );
  const client = google.client();
  const users = await drain(client.directory.listUsers('admin@example.com', { showDeleted: true }));
  assert.deepEqual(
    users.map((u) => u.primaryEmail),
    ['ann@example.com', 'old@example.com'],
  );
  const first = google.requests[0];
  assert.equal(first?.query.get('customer'), 'my_customer');
  assert.equal(first?.query.get('showDeleted'), 'true');
  assert.equal(first?.query.get('maxResults'), '500');
  assert.equal(first?.user, 'admin@example.com');
  assert.equal((await client.directory.getUser('admin@example.com', 'ann@example.com')).suspended, false);
  assert.equal((await client.directory.listOrgUnits('admin@example.com'))[0]?.orgUnitPath, '/Sales');
  const issued = google.issuedTokens[0]?.claims.scope;
  assert.match(String(issued), /admin\.directory\.user\.readonly/);
});

test('a repeated nextPageToken is an error instead of an endless loop', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('GET', '/admin/directory/v1/users', (_req, res) =>
    sendJson(res, 200, { users: [], nextPageToken: 'same' }),
  );
  await assert.rejects(drain(google.client().directory.listUsers('admin@example.com')), /nextPageToken/);
});
