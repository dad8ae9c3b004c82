import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GoogleApiError } from '../errors.ts';
import { createQuotaManager, type QuotaManager } from '../quota/quota-manager.ts';
import { createFakeClock } from '../testing/fake-clock.ts';
import { sendGoogleError, sendJson, startScriptedGoogle } from '../testing/scripted-google.ts';

const user = 'ann@example.com';

function partAnswer(contentId: string, status: number, body: unknown): string {
  return (
    `Content-Type: application/http\r\nContent-ID: <response-${contentId}>\r\n\r\n` +
    `HTTP/1.1 ${status} X\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n${JSON.stringify(body)}\r\n`
  );
}

test('batched events.import: ≤ 50 per batch, a 503 part imported again alone, a 400 part reported for its event only', async (t) => {
  const google = await startScriptedGoogle(t);
  const batchSizes: number[] = [];
  google.route('POST', '/batch/calendar/v3', (req, res) => {
    const boundary = /boundary=(\S+)/.exec(String(req.headers['content-type']))?.[1] ?? '';
    const inner = req.body
      .toString('utf8')
      .split(`--${boundary}`)
      .filter((part) => part.includes('POST '));
    batchSizes.push(inner.length);
    const answers = inner.map((part) => {
      const contentId = /Content-ID: <([^>]+)>/.exec(part)?.[1] ?? '';
      assert.match(
        part,
        /POST \/calendar\/v3\/calendars\/work%40example\.com\/events\/import\?conferenceDataVersion=1/,
      );
      const event = JSON.parse(part.slice(part.indexOf('{'), part.lastIndexOf('}') + 1)) as { iCalUID: string };
      if (event.iCalUID === 'bad')
        return partAnswer(contentId, 400, {
          error: { code: 400, message: 'Invalid start', errors: [{ reason: 'invalid' }] },
        });
      if (event.iCalUID === 'flaky')
        return partAnswer(contentId, 503, {
          error: { code: 503, message: 'Backend', errors: [{ reason: 'backendError' }] },
        });
      return partAnswer(contentId, 200, { id: `id-${event.iCalUID}`, iCalUID: event.iCalUID });
    });
    res.writeHead(200, { 'content-type': 'multipart/mixed; boundary=batch_answer' });
    res.end(
      `${answers
        .reverse()
        .map((a) => `--batch_answer\r\n${a}`)
        .join('')}--batch_answer--\r\n`,
    );
  });
  google.route('POST', '/calendar/v3/calendars/work%40example.com/events/import', (req, res) => {
    const event = JSON.parse(req.body.toString()) as { iCalUID: string };
    sendJson(res, 200, { id: `alone-${event.iCalUID}`, iCalUID: event.iCalUID });
  });
  const events = [
    ...Array.from({ length: 58 }, (_, i) => ({ iCalUID: `e${i}` })),
    { iCalUID: 'bad' },
    { iCalUID: 'flaky' },
  ];
  const results = await google.client().calendar.batchImportEvents(user, 'work@example.com', events);
  assert.deepEqual(batchSizes, [50, 10]);
  assert.equal(results.length, 60);
  assert.deepEqual(results[7], { ok: true, event: { id: 'id-e7', iCalUID: 'e7' } });
  const bad = results[58];
  assert.ok(bad && !bad.ok && bad.error instanceof GoogleApiError && bad.error.status === 400);
  assert.deepEqual(results[59], { ok: true, event: { id: 'alone-flaky', iCalUID: 'flaky' } });
  assert.equal(google.calls('POST', /\/events\/import$/).length, 1, 'only the 503 part is sent again');
});

test('batchCreateContacts sends every contact with a readMask, returns the created people in order, and is not repeated after a 500', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('POST', '/v1/people:batchCreateContacts', (req, res) => {
    const body = JSON.parse(req.body.toString()) as { contacts: Array<{ contactPerson: unknown }>; readMask: string };
    assert.equal(body.readMask, 'names,emailAddresses,metadata');
    if (body.contacts.length === 1) return sendGoogleError(res, 500, 'backendError', 'Backend Error');
    sendJson(res, 200, {
      createdPeople: body.contacts.map((contact, index) => ({
        httpStatusCode: 200,
        person: { resourceName: `people/c${index}`, ...(contact.contactPerson as object) },
      })),
    });
  });
  const client = google.client();
  const created = await client.people.batchCreateContacts(user, [
    { names: [{ givenName: 'A' }] },
    { names: [{ givenName: 'B' }] },
  ]);
  assert.deepEqual(
    created.map((p) => [p.resourceName, (p as { names?: Array<{ givenName: string }> }).names?.[0]?.givenName]),
    [
      ['people/c0', 'A'],
      ['people/c1', 'B'],
    ],
  );
  await assert.rejects(client.people.batchCreateContacts(user, [{ names: [] }]), (error: unknown) => {
    assert.ok(error instanceof GoogleApiError && error.status === 500);
    return true;
  });
  assert.equal(
    google.calls('POST', /batchCreateContacts$/).length,
    2,
    'the failed call was not repeated (it may have been done)',
  );
  await assert.rejects(
    client.people.batchCreateContacts(
      user,
      Array.from({ length: 201 }, () => ({})),
    ),
    RangeError,
  );
});

test('batched permissions.create: one /batch/drive/v3 request, no notification emails, a refused part reported for its permission only', async (t) => {
  const google = await startScriptedGoogle(t);
  const inner: string[] = [];
  google.route('POST', '/batch/drive/v3', (req, res) => {
    const boundary = /boundary=(\S+)/.exec(String(req.headers['content-type']))?.[1] ?? '';
    const parts = req.body
      .toString('utf8')
      .split(`--${boundary}`)
      .filter((part) => part.includes('POST '));
    const answers = parts.map((part) => {
      const contentId = /Content-ID: <([^>]+)>/.exec(part)?.[1] ?? '';
      inner.push(/POST (\S+)/.exec(part)?.[1] ?? '');
      const permission = JSON.parse(part.slice(part.indexOf('{'), part.lastIndexOf('}') + 1)) as {
        emailAddress?: string;
        role: string;
      };
      if (permission.emailAddress === 'gone@example.com')
        return partAnswer(contentId, 400, {
          error: { code: 400, message: 'Invalid sharing request', errors: [{ reason: 'invalidSharingRequest' }] },
        });
      return partAnswer(contentId, 200, { id: `p-${permission.role}`, role: permission.role, type: 'user' });
    });
    res.writeHead(200, { 'content-type': 'multipart/mixed; boundary=batch_answer' });
    res.end(`${answers.map((a) => `--batch_answer\r\n${a}`).join('')}--batch_answer--\r\n`);
  });
  const results = await google.client().drive.batchCreatePermissions(user, 'f1', [
    { type: 'user', role: 'writer', emailAddress: 'bo@example.com' },
    { type: 'user', role: 'reader', emailAddress: 'gone@example.com' },
    { type: 'domain', role: 'commenter', domain: 'example.com' },
  ]);
  assert.equal(google.calls('POST', '/batch/drive/v3').length, 1);
  assert.equal(inner.length, 3);
  for (const path of inner) {
    const url = new URL(path, 'http://x');
    assert.equal(url.pathname, '/drive/v3/files/f1/permissions');
    assert.equal(url.searchParams.get('sendNotificationEmail'), 'false');
  }
  assert.deepEqual(
    results.map((r) => (r.ok ? r.value.id : r.error instanceof GoogleApiError && r.error.status)),
    ['p-writer', 400, 'p-commenter'],
  );
});

test('Calendar and Drive batch parts refused for quota (429, 403 rateLimitExceeded) record the shared backoff, as Gmail parts do', async (t) => {
  const google = await startScriptedGoogle(t);
  const refusals = new Map<string, { status: number; reason: string }>([
    ['/batch/calendar/v3', { status: 403, reason: 'rateLimitExceeded' }],
    ['/batch/drive/v3', { status: 429, reason: 'rateLimitExceeded' }],
  ]);
  for (const [path, refusal] of refusals) {
    google.route('POST', path, (req, res) => {
      const boundary = /boundary=(\S+)/.exec(String(req.headers['content-type']))?.[1] ?? '';
      const parts = req.body
        .toString('utf8')
        .split(`--${boundary}`)
        .filter((part) => part.includes('POST '));
      const answers = parts.map((part, index) => {
        const contentId = /Content-ID: <([^>]+)>/.exec(part)?.[1] ?? '';
        if (index === 1)
          return partAnswer(contentId, refusal.status, {
            error: { code: refusal.status, message: 'Rate Limit Exceeded', errors: [{ reason: refusal.reason }] },
          });
        return partAnswer(contentId, 200, { id: `ok-${index}`, iCalUID: `e${index}`, role: 'reader', type: 'user' });
      });
      res.writeHead(200, { 'content-type': 'multipart/mixed; boundary=batch_answer' });
      res.end(`${answers.map((a) => `--batch_answer\r\n${a}`).join('')}--batch_answer--\r\n`);
    });
  }
  google.route('POST', '/calendar/v3/calendars/work%40example.com/events/import', (_req, res) =>
    sendJson(res, 200, { id: 'alone', iCalUID: 'e1' }),
  );
  google.route('POST', '/drive/v3/files/f1/permissions', (_req, res) =>
    sendJson(res, 200, { id: 'alone', role: 'reader', type: 'user' }),
  );
  const clock = createFakeClock();
  const manager = createQuotaManager({ clock, project: 'p' });
  const recorded: Array<{ api: string; scope: string; waitMs: number }> = [];
  const spy: QuotaManager = {
    ...manager,
    rateLimited(api, who, scope, waitMs) {
      recorded.push({ api, scope, waitMs });
      return manager.rateLimited(api, who, scope, waitMs);
    },
  };
  const client = google.client({ clock, quotas: { manager: spy } });
  const events = await client.calendar.batchImportEvents(user, 'work@example.com', [
    { iCalUID: 'e0' },
    { iCalUID: 'e1' },
  ]);
  assert.deepEqual(
    events.map((r) => r.ok),
    [true, true],
  );
  const permissions = await client.drive.batchCreatePermissions(user, 'f1', [
    { type: 'user', role: 'reader', emailAddress: 'a@example.com' },
    { type: 'user', role: 'reader', emailAddress: 'b@example.com' },
  ]);
  assert.deepEqual(
    permissions.map((r) => r.ok),
    [true, true],
  );
  assert.deepEqual(
    recorded.map((entry) => entry.api),
    ['calendar', 'drive'],
    'each refused part backs off its own API once, before it is sent alone',
  );
  assert.ok(recorded.every((entry) => entry.waitMs > 0));
});
