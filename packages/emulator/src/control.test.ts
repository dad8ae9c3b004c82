import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { type RunningEmulator, startEmulator } from './index.ts';
import { accessToken, clientsFor, failure, SMALL_DOMAIN } from './test-support/google-clients.ts';

const D = 'control.test';
const ADMIN = `admin@${D}`;
let emulator: RunningEmulator;
let c: ReturnType<typeof clientsFor>;

before(async () => {
  emulator = await startEmulator({ domain: D, users: 3, generate: SMALL_DOMAIN });
  c = clientsFor(emulator.url, emulator.serviceAccountKey, ADMIN);
});
after(() => emulator.stop());

test('quotas: off by default; when on and scaled down, Gmail answers 429 and Drive 403 userRateLimitExceeded', async () => {
  for (let i = 0; i < 5; i++) await c.gmail.users.getProfile({ userId: 'me' });
  // Start at the beginning of an emulated minute so the budget cannot roll over mid-test.
  const now = Date.parse(emulator.control.now());
  emulator.control.advanceClock({ ms: 60_000 - (now % 60_000) + 10 });
  emulator.control.setQuotas({ enabled: true, scale: 0.001 }); // Gmail: 15 units/min, Drive: 12 queries/min
  const results = [];
  for (let i = 0; i < 5; i++)
    results.push(
      await c.gmail.users.messages.list({ userId: 'me' }).then(
        (r) => r.status,
        (e: { response?: { status: number } }) => e.response?.status,
      ),
    );
  assert.deepEqual(results, [200, 200, 200, 429, 429]);
  const statuses = [];
  for (let i = 0; i < 14; i++)
    statuses.push(
      await c.drive.files.list({ pageSize: 1 }).then(
        (r) => r.status,
        (e: { response?: { status: number } }) => e.response?.status,
      ),
    );
  assert.equal(statuses.filter((s) => s === 200).length, 12);
  const refused = await failure(c.drive.files.list({ pageSize: 1 }));
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error?.errors?.[0]?.reason, 'userRateLimitExceeded');
  // The next emulated minute has a fresh budget.
  emulator.control.advanceClock({ ms: 60_000 });
  assert.equal((await c.drive.files.list({ pageSize: 1 })).status, 200);
  emulator.control.setQuotas({ enabled: false, scale: 1 });
});

test('concurrency cap: more parallel requests than allowed per user get 429 Too many concurrent requests', async () => {
  emulator.control.setQuotas({ enabled: true, scale: 1, concurrentPerUser: { gmail: 2 } });
  // Admitted calls are held long enough that all five are in flight together.
  emulator.control.setFaults([{ endpoint: 'gmail.users.getProfile', latencyMs: 1500 }]);
  const token = await accessToken(emulator.url, emulator.serviceAccountKey, ADMIN);
  const statuses = await Promise.all(
    Array.from({ length: 5 }, () =>
      fetch(`${emulator.url}/gmail/v1/users/me/profile`, { headers: { authorization: `Bearer ${token}` } }).then(
        async (r) => ({ status: r.status, body: await r.text() }),
      ),
    ),
  );
  assert.equal(statuses.filter((s) => s.status === 200).length, 2);
  const limited = statuses.filter((s) => s.status === 429);
  assert.equal(limited.length, 3);
  assert.match(limited[0]?.body ?? '', /Too many concurrent requests for user/);
  emulator.control.setFaults([]);
  emulator.control.setQuotas({ enabled: false, concurrentPerUser: { gmail: 5 } });
});

test('faults: injected error codes per endpoint, for a number of requests, then normal service', async () => {
  emulator.control.setFaults([{ endpoint: 'drive.files.list', errorRate: 1, status: 503, times: 2 }]);
  const first = await failure(c.drive.files.list({ pageSize: 1 }));
  assert.equal(first.status, 503);
  assert.equal(first.body.error?.status, 'UNAVAILABLE');
  await failure(c.drive.files.list({ pageSize: 1 }));
  assert.equal((await c.drive.files.list({ pageSize: 1 })).status, 200);
  emulator.control.setFaults([
    { endpoint: 'gmail.*', errorRate: 1, status: 403, reason: 'rateLimitExceeded', message: 'Rate Limit Exceeded' },
  ]);
  const gmailFault = await failure(c.gmail.users.getProfile({ userId: 'me' }));
  assert.equal(gmailFault.status, 403);
  assert.equal(gmailFault.body.error?.errors?.[0]?.reason, 'rateLimitExceeded');
  emulator.control.setFaults([]);
});

test('faults: a Gmail batch request fails as a whole for its user, and faultsInjected tallies what was acted out', async () => {
  const user = emulator.control.listAccounts(D)[1]?.email ?? '';
  const [message] = (await c.gmail.users.messages.list({ userId: 'me', maxResults: 1 })).data.messages ?? [];
  const batch = async (email: string) => {
    const token = await accessToken(emulator.url, emulator.serviceAccountKey, email);
    const boundary = 'b1';
    return fetch(`${emulator.url}/batch/gmail/v1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/mixed; boundary=${boundary}` },
      body: `--${boundary}\r\nContent-Type: application/http\r\n\r\nGET /gmail/v1/users/me/messages/${message?.id}?format=minimal\r\n\r\n--${boundary}--\r\n`,
    });
  };
  emulator.control.counters({ reset: true });
  emulator.control.setFaults([
    { endpoint: 'gmail.batch', user: ADMIN, errorRate: 1, status: 503, times: 1 },
    { endpoint: 'gmail.users.getProfile', truncateRate: 1, times: 1 },
  ]);
  assert.equal((await batch(user)).status, 200, "another user's batch is not touched");
  const failed = await batch(ADMIN);
  assert.equal(failed.status, 503, 'the whole batch request answers 503');
  const next = await batch(ADMIN);
  assert.equal(next.status, 200);
  assert.match(await next.text(), /HTTP\/1\.1 200/);
  await assert.rejects(
    accessToken(emulator.url, emulator.serviceAccountKey, ADMIN).then((token) =>
      fetch(`${emulator.url}/gmail/v1/users/me/profile`, { headers: { authorization: `Bearer ${token}` } }).then(
        (response) => response.text(),
      ),
    ),
  );
  assert.deepEqual(
    emulator.control.faultsInjected().sort((a, b) => a.endpoint.localeCompare(b.endpoint)),
    [
      { endpoint: 'gmail.batch', kind: 'HTTP 503', count: 1 },
      { endpoint: 'gmail.users.getProfile', kind: 'truncated body', count: 1 },
    ],
  );
  emulator.control.counters({ reset: true });
  assert.deepEqual(emulator.control.faultsInjected(), [], 'reset with the counters');
  emulator.control.setFaults([]);
});

test('faults: a dropped connection does not stop the emulator serving other requests', async () => {
  emulator.control.setFaults([{ endpoint: 'gmail.users.labels.list', dropRate: 1 }]);
  const token = await accessToken(emulator.url, emulator.serviceAccountKey, ADMIN);
  await assert.rejects(
    fetch(`${emulator.url}/gmail/v1/users/me/labels`, { headers: { authorization: `Bearer ${token}` } }),
  );
  assert.equal((await c.gmail.users.getProfile({ userId: 'me' })).status, 200);
  emulator.control.setFaults([]);
  assert.equal((await c.gmail.users.labels.list({ userId: 'me' })).status, 200);
});

test('faults: a truncated body promises the whole length, sends half and closes', async () => {
  emulator.control.setFaults([{ endpoint: 'gmail.users.getProfile', truncateRate: 1, times: 1 }]);
  const token = await accessToken(emulator.url, emulator.serviceAccountKey, ADMIN);
  const response = await fetch(`${emulator.url}/gmail/v1/users/me/profile`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(response.status, 200, 'the real status');
  assert.ok(Number(response.headers.get('content-length')) > 0);
  await assert.rejects(response.text(), 'the body ends early');
  assert.equal((await c.gmail.users.getProfile({ userId: 'me' })).status, 200, 'then normal service');
  emulator.control.setFaults([]);
});

test('faults: a stalled request gets no answer until the client gives up', async () => {
  emulator.control.setFaults([{ endpoint: 'gmail.users.getProfile', stallRate: 1, stallMs: 60_000, times: 1 }]);
  const token = await accessToken(emulator.url, emulator.serviceAccountKey, ADMIN);
  await assert.rejects(
    fetch(`${emulator.url}/gmail/v1/users/me/profile`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(300),
    }),
    { name: 'TimeoutError' },
  );
  assert.equal((await c.gmail.users.getProfile({ userId: 'me' })).status, 200, 'the emulator still serves others');
  emulator.control.setFaults([]);
});

test('counters: requests and units per endpoint and user', async () => {
  emulator.control.counters({ reset: true });
  const { data } = await c.gmail.users.messages.list({ userId: 'me', maxResults: 2 });
  for (const m of data.messages ?? [])
    await c.gmail.users.messages.get({ userId: 'me', id: m.id ?? '', format: 'raw' });
  const counters = emulator.control.counters();
  const get = counters.find((e) => e.endpoint === 'gmail.users.messages.get' && e.user === ADMIN);
  assert.deepEqual(get, { endpoint: 'gmail.users.messages.get', user: ADMIN, count: 2, units: 10 });
  assert.equal(counters.find((e) => e.endpoint === 'gmail.users.messages.list')?.count, 1);
});

test('usagePeaks: units per user and project in the busiest 60 seconds; requestLog: each call and what refused it', async () => {
  emulator.control.counters({ reset: true });
  const { data } = await c.gmail.users.messages.list({ userId: 'me', maxResults: 2 });
  const id = data.messages?.[0]?.id ?? '';
  await c.gmail.users.messages.get({ userId: 'me', id, format: 'raw' });
  emulator.control.advanceClock({ ms: 61_000 });
  await c.gmail.users.messages.get({ userId: 'me', id, format: 'raw' });
  emulator.control.setFaults([
    { endpoint: 'gmail.users.messages.get', errorRate: 1, status: 429, retryAfterSeconds: 7, times: 1 },
  ]);
  const refused = await fetch(`${emulator.url}/gmail/v1/users/me/messages/${id}?format=raw`, {
    headers: { authorization: `Bearer ${await accessToken(emulator.url, emulator.serviceAccountKey, ADMIN)}` },
  });
  assert.deepEqual([refused.status, refused.headers.get('retry-after')], [429, '7']);
  emulator.control.setFaults([]);
  const peaks = emulator.control.usagePeaks();
  const user = peaks.find((p) => p.scope === 'user' && p.api === 'gmail' && p.key === ADMIN);
  // list (5) + get (5) in the first minute; get + refused get (10) in the next: the peak is 10 of 20.
  assert.deepEqual(user && { peak: user.peakUnitsPerMinute, units: user.units, calls: user.calls }, {
    peak: 10,
    units: 20,
    calls: 4,
  });
  const project = peaks.find((p) => p.scope === 'project' && p.api === 'gmail');
  assert.equal(project?.key, emulator.serviceAccountKey.project_id);
  assert.equal(project?.units, 20);
  const log = emulator.control.requestLog();
  assert.deepEqual(
    log.map((call) => [call.endpoint, call.refusedWith]),
    [
      ['gmail.users.messages.list', undefined],
      ['gmail.users.messages.get', undefined],
      ['gmail.users.messages.get', undefined],
      ['gmail.users.messages.get', 429],
    ],
  );
  assert.ok((log[2]?.at ?? 0) - (log[1]?.at ?? 0) >= 61_000, 'times are the emulator clock');
  emulator.control.counters({ reset: true });
  assert.deepEqual([emulator.control.usagePeaks(), emulator.control.requestLog()], [[], []]);
});

test('digest: ignores labels and folders, changes with content, and matches again after a restore', async () => {
  const user = emulator.control.listAccounts(D)[1]?.email ?? '';
  const u = clientsFor(emulator.url, emulator.serviceAccountKey, user);
  const before = emulator.control.digest({ email: user, service: 'gmail' });
  const [first] = (await u.gmail.users.messages.list({ userId: 'me', maxResults: 1 })).data.messages ?? [];
  emulator.control.relabelMessage({ email: user, id: first?.id ?? '', add: ['STARRED'] });
  assert.deepEqual(emulator.control.digest({ email: user, service: 'gmail' }), before);
  // "Backup" the raw message, delete it, then "restore" it by import.
  const raw = Buffer.from(
    (await u.gmail.users.messages.get({ userId: 'me', id: first?.id ?? '', format: 'raw' })).data.raw ?? '',
    'base64url',
  );
  emulator.control.deleteMessage({ email: user, id: first?.id ?? '' });
  assert.notEqual(emulator.control.digest({ email: user, service: 'gmail' }).digest, before.digest);
  await u.gmail.users.messages.import(
    {
      userId: 'me',
      internalDateSource: 'dateHeader',
      requestBody: { labelIds: ['INBOX'] },
      media: { mimeType: 'message/rfc822', body: Readable.from([raw]) },
    },
    u.at,
  );
  assert.deepEqual(emulator.control.digest({ email: user, service: 'gmail' }), before);
});

test('ransomware rewrites every file a user owns, which changes the Drive digest; events and contacts digests track edits', async () => {
  const user = emulator.control.listAccounts(D)[2]?.email ?? '';
  const drive = emulator.control.digest({ email: user, service: 'drive' });
  assert.ok(drive.items > 0);
  const result = emulator.control.ransomware({ email: user });
  assert.ok(result.files > 0 && result.files <= drive.items); // shortcuts have no content to encrypt
  const after = emulator.control.digest({ email: user, service: 'drive' });
  assert.equal(after.items, drive.items);
  assert.notEqual(after.digest, drive.digest);
  const u = clientsFor(emulator.url, emulator.serviceAccountKey, user);
  const files = await u.drive.files.list({ q: "name contains '.locked'", fields: 'files(name)' });
  assert.equal(files.data.files?.length, result.files);
  const events = emulator.control.digest({ email: user, service: 'calendar' });
  const added = emulator.control.changeEvent({ email: user, summary: 'Extra' });
  assert.equal(emulator.control.digest({ email: user, service: 'calendar' }).items, events.items + 1);
  emulator.control.changeEvent({ email: user, id: added.id, delete: true });
  assert.deepEqual(emulator.control.digest({ email: user, service: 'calendar' }), events);
  const contacts = emulator.control.digest({ email: user, service: 'contacts' });
  assert.equal(contacts.items, 4);
});

test('wipeUser deletes every message, owned file, event and contact of one user and leaves the others', async () => {
  const [, victim, bystander] = emulator.control.listAccounts(D).map((account) => account.email);
  assert.ok(victim && bystander);
  const services = ['gmail', 'drive', 'calendar', 'contacts'] as const;
  const before = services.map((service) => emulator.control.digest({ email: victim, service }));
  const others = services.map((service) => emulator.control.digest({ email: bystander, service }));
  const counts = emulator.control.wipeUser({ email: victim });
  assert.equal(counts.messages, before[0]?.items);
  assert.equal(counts.events, before[2]?.items);
  assert.equal(counts.contacts, before[3]?.items);
  assert.ok(counts.files >= (before[1]?.items ?? 0), 'folders are deleted too');
  for (const service of services) assert.equal(emulator.control.digest({ email: victim, service }).items, 0);
  const detail = emulator.control.digest({ email: bystander, service: 'drive', detail: true });
  assert.equal(detail.digest, others[1]?.digest, 'detail does not change the digest');
  assert.equal(detail.entries?.length, detail.items);
  assert.ok(
    detail.entries?.every((entry) => / \(.+\/.+\)$/.test(entry.label)),
    'drive labels name and MIME type',
  );
  assert.deepEqual(
    services.map((service) => emulator.control.digest({ email: bystander, service })),
    others,
  );
  const u = clientsFor(emulator.url, emulator.serviceAccountKey, victim);
  const listed = await u.gmail.users.messages.list({ userId: 'me', includeSpamTrash: true });
  assert.equal(listed.data.messages, undefined);
});

test('control API over HTTP mirrors the control object', async () => {
  const index = (await (await fetch(`${emulator.url}/_emulator`)).json()) as { operations: string[] };
  assert.ok(index.operations.includes('/_emulator/advanceClock'));
  const created = await fetch(`${emulator.url}/_emulator/createDomain`, {
    method: 'POST',
    body: JSON.stringify({ domain: 'second.test', users: 2, generate: { messagesPerUser: 3, filesPerUser: 2 } }),
  });
  const body = (await created.json()) as { ok: boolean; result: { users: string[] } };
  assert.deepEqual(body.result.users, ['admin@second.test', 'alice.martin@second.test']);
  const digest = await fetch(`${emulator.url}/_emulator/digest`, {
    method: 'POST',
    body: JSON.stringify({ email: 'admin@second.test', service: 'gmail' }),
  });
  assert.equal(((await digest.json()) as { result: { items: number } }).result.items, 3);
  const faults = await fetch(`${emulator.url}/_emulator/setFaults`, {
    method: 'POST',
    body: JSON.stringify([{ endpoint: 'drive.files.get', errorRate: 1, status: 500 }]),
  });
  assert.equal(faults.status, 200);
  await fetch(`${emulator.url}/_emulator/setFaults`, { method: 'POST', body: '[]' });
  const unknownUser = await fetch(`${emulator.url}/_emulator/digest`, {
    method: 'POST',
    body: JSON.stringify({ email: 'nobody@none.test', service: 'gmail' }),
  });
  assert.equal(unknownUser.status, 404);
  const unknownOp = await fetch(`${emulator.url}/_emulator/explode`, { method: 'POST', body: '{}' });
  assert.equal(unknownOp.status, 404);
  const badJson = await fetch(`${emulator.url}/_emulator/createUser`, { method: 'POST', body: '{' });
  assert.equal(badJson.status, 400);
  const second = clientsFor(emulator.url, emulator.serviceAccountKey, 'admin@second.test');
  assert.equal((await second.gmail.users.getProfile({ userId: 'me' })).data.messagesTotal, 3);
});

test('unknown paths answer Google 404 HTML, wrong methods 405, and the server keeps serving', async () => {
  const unknown = await fetch(`${emulator.url}/gmail/v1/nothing/here`);
  assert.equal(unknown.status, 404);
  assert.match(await unknown.text(), /The requested URL was not found on this server/);
  const method = await fetch(`${emulator.url}/gmail/v1/users/me/profile`, { method: 'DELETE' });
  assert.equal(method.status, 405);
  const garbageBatch = await fetch(`${emulator.url}/batch/gmail/v1`, {
    method: 'POST',
    headers: { 'content-type': 'multipart/mixed' },
    body: 'x',
  });
  assert.equal(garbageBatch.status, 400);
  assert.equal((await c.gmail.users.getProfile({ userId: 'me' })).status, 200);
});

test('simulateActivity applies a mix of changes that show up in Gmail history and Drive changes', async () => {
  const user = emulator.control.listAccounts(D)[1]?.email ?? '';
  const u = clientsFor(emulator.url, emulator.serviceAccountKey, user);
  const historyId = (await u.gmail.users.getProfile({ userId: 'me' })).data.historyId ?? '';
  const pageToken = (await u.drive.changes.getStartPageToken({})).data.startPageToken ?? '';
  const counts = emulator.control.simulateActivity({ email: user, changes: 40 });
  assert.equal(
    Object.values(counts).reduce((a, b) => a + b, 0),
    40,
  );
  assert.ok((counts.messagesAdded ?? 0) > 0);
  const history = await u.gmail.users.history.list({ userId: 'me', startHistoryId: historyId, maxResults: 500 });
  assert.ok((history.data.history?.length ?? 0) >= (counts.messagesAdded ?? 0));
  const fileChanges = (counts.filesEdited ?? 0) + (counts.filesRenamed ?? 0) + (counts.filesTrashed ?? 0);
  if (fileChanges > 0) assert.ok(((await u.drive.changes.list({ pageToken })).data.changes?.length ?? 0) > 0);
});

test('a malformed HTTP request is answered 400 by the server and does not affect other clients', async () => {
  const { connect } = await import('node:net');
  const url = new URL(emulator.url);
  const answer = await new Promise<string>((resolve) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write('GARBAGE \x00\x01 NOT HTTP\r\n\r\n'));
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString();
    });
    socket.on('close', () => resolve(text));
    socket.on('error', () => resolve(text));
  });
  assert.match(answer, /^HTTP\/1\.1 400/);
  assert.equal((await c.gmail.users.getProfile({ userId: 'me' })).status, 200);
});

test('createDomain on an existing domain only fills the users it did not have', async () => {
  const before = emulator.control.digest({ email: ADMIN, service: 'gmail' });
  const result = emulator.control.createDomain({
    domain: D,
    users: 4,
    generate: { messagesPerUser: 2, filesPerUser: 1 },
  });
  assert.equal(result.users.length, 4);
  assert.deepEqual(emulator.control.digest({ email: ADMIN, service: 'gmail' }), before);
  const newest = result.users[3] ?? '';
  assert.equal(emulator.control.digest({ email: newest, service: 'gmail' }).items, 2);
});

test('the daily Drive upload limit answers 403 userRateLimitExceeded when exceeded', async () => {
  emulator.control.setQuotas({ enabled: true, scale: 1, driveUploadBytesPerDay: 10 });
  const ok = await c.drive.files.create(
    { requestBody: { name: 'small.txt' }, media: { mimeType: 'text/plain', body: '12345' }, fields: 'id' },
    c.at,
  );
  assert.ok(ok.data.id);
  const over = await failure(
    c.drive.files.create(
      { requestBody: { name: 'big.txt' }, media: { mimeType: 'text/plain', body: '1234567890' } },
      c.at,
    ),
  );
  assert.equal(over.status, 403);
  assert.equal(over.body.error?.errors?.[0]?.reason, 'userRateLimitExceeded');
  emulator.control.setQuotas({ enabled: false, driveUploadBytesPerDay: 750 * 1024 ** 3 });
});

test('wipeSharedDrive deletes every file of one shared drive, digestSharedDrive counts them, deleteSharedDrive removes the drive', async () => {
  const driveId = (await c.drive.drives.list({ useDomainAdminAccess: true })).data.drives?.[0]?.id;
  assert.ok(driveId, 'the generated domain has a shared drive');
  const before = emulator.control.digestSharedDrive({ driveId });
  assert.ok(before.items > 0);
  const detail = emulator.control.digestSharedDrive({ driveId, detail: true });
  assert.equal(detail.digest, before.digest);
  assert.equal(detail.entries?.length, before.items);
  const users = emulator.control.listAccounts(D).map((account) => account.email);
  const mine = users.map((email) => emulator.control.digest({ email, service: 'drive' }));
  assert.ok(emulator.control.wipeSharedDrive({ driveId }).files >= before.items);
  assert.equal(emulator.control.digestSharedDrive({ driveId }).items, 0);
  assert.deepEqual(
    users.map((email) => emulator.control.digest({ email, service: 'drive' })),
    mine,
    "users' own files stay",
  );
  emulator.control.deleteSharedDrive({ driveId });
  assert.throws(() => emulator.control.digestSharedDrive({ driveId }), /Unknown shared drive/);
});
