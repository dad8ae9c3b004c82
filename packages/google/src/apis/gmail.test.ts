import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GoogleApiError, GoogleResponseShapeError, ResyncRequired } from '../errors.ts';
import { CursorNotReadyError } from '../sync/sync-run.ts';
import { answerPages, sendGoogleError, sendJson, startScriptedGoogle } from '../testing/scripted-google.ts';
import { isSystemLabel } from './gmail.ts';

const user = 'ann@example.com';
const rfc822 = Buffer.from('From: bob@example.com\r\nSubject: hello\r\nMessage-ID: <abc@x>\r\n\r\nbody \u00e9\r\n');

function message(id: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    threadId: `t-${id}`,
    labelIds: ['INBOX'],
    snippet: 'hello',
    historyId: '500',
    internalDate: '1767225600000',
    sizeEstimate: rfc822.length,
    raw: rfc822.toString('base64url'),
    ...extra,
  };
}

test('messages.list follows pages, includes spam and trash, and passes q and labelIds', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route(
    'GET',
    '/gmail/v1/users/ann%40example.com/messages',
    answerPages({
      '': {
        messages: [
          { id: 'a', threadId: 't' },
          { id: 'b', threadId: 't' },
        ],
        nextPageToken: 'p2',
      },
      p2: { messages: [{ id: 'c', threadId: 'u' }], nextPageToken: 'p3' },
      p3: { resultSizeEstimate: 0 },
    }),
  );
  const ids: string[] = [];
  for await (const ref of google
    .client()
    .gmail.listMessages(user, { q: 'after:2026/01/01', labelIds: ['INBOX', 'SENT'] })) {
    ids.push(ref.id);
  }
  assert.deepEqual(ids, ['a', 'b', 'c']);
  const calls = google.calls('GET', /\/messages$/);
  assert.equal(calls.length, 3);
  assert.equal(calls[0]?.query.get('includeSpamTrash'), 'true');
  assert.equal(calls[0]?.query.get('maxResults'), '500');
  assert.equal(calls[0]?.query.get('q'), 'after:2026/01/01');
  assert.deepEqual(calls[0]?.query.getAll('labelIds'), ['INBOX', 'SENT']);
  assert.equal(calls[2]?.query.get('pageToken'), 'p3');
});

test('messages.get raw decodes the base64url message into a Buffer with its metadata', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('GET', /\/messages\/m1$/, (req, res) =>
    sendJson(
      res,
      200,
      req.query.get('format') === 'raw'
        ? message('m1')
        : { ...message('m1'), raw: undefined, payload: { headers: [{ name: 'Subject', value: 'hello' }] } },
    ),
  );
  const client = google.client();
  const raw = await client.gmail.getMessage(user, 'm1', { format: 'raw' });
  assert.ok(Buffer.isBuffer(raw.raw));
  assert.deepEqual(raw.raw, rfc822);
  assert.equal(raw.internalDate, '1767225600000');
  assert.deepEqual(raw.labelIds, ['INBOX']);
  assert.equal(raw.historyId, '500');
  const meta = await client.gmail.getMessage(user, 'm1', { format: 'metadata', metadataHeaders: ['Subject'] });
  assert.equal(meta.payload?.headers[0]?.value, 'hello');
  assert.deepEqual(google.calls('GET', /\/messages\/m1$/)[1]?.query.getAll('metadataHeaders'), ['Subject']);
});

test('a malformed Google answer is a GoogleResponseShapeError naming the operation and field', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('GET', /\/messages\/m1$/, (_req, res) =>
    sendJson(res, 200, message('m1', { internalDate: 1767225600000 })),
  );
  google.route('GET', /\/profile$/, (_req, res) => sendJson(res, 200, '<html>oops</html>'));
  const client = google.client();
  await assert.rejects(client.gmail.getMessage(user, 'm1', { format: 'raw' }), (error: unknown) => {
    assert.ok(error instanceof GoogleResponseShapeError);
    assert.match(error.message, /gmail\.messages\.get/);
    assert.match(error.message, /`internalDate`/);
    return true;
  });
  await assert.rejects(client.gmail.getProfile(user), GoogleResponseShapeError);
});

test('gmailSync.full reads the historyId before listing, and exposes it only after the listing finished', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('GET', /\/profile$/, (_req, res) =>
    sendJson(res, 200, { emailAddress: user, messagesTotal: 3, threadsTotal: 2, historyId: '41' }),
  );
  google.route(
    'GET',
    /\/messages$/,
    answerPages({
      '': { messages: [{ id: 'a', threadId: 't' }], nextPageToken: 'n' },
      n: { messages: [{ id: 'b', threadId: 't' }] },
    }),
  );
  const run = await google.client().gmailSync.full(user);
  assert.throws(() => run.cursor, CursorNotReadyError);
  const ids: string[] = [];
  for await (const ref of run) ids.push(ref.id);
  assert.deepEqual(ids, ['a', 'b']);
  assert.equal(run.cursor, '41');
  assert.deepEqual(
    google.requests.map((r) => r.path.split('/').pop()),
    ['profile', 'messages', 'messages'],
  );
});

test('gmailSync.incremental yields history records of every page and ends on the last historyId', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route(
    'GET',
    /\/history$/,
    answerPages({
      '': {
        history: [{ id: '42', messagesAdded: [{ message: { id: 'c', threadId: 't', labelIds: ['INBOX'] } }] }],
        historyId: '60',
        nextPageToken: 'h2',
      },
      h2: { history: [{ id: '50', messagesDeleted: [{ message: { id: 'a', threadId: 't' } }] }], historyId: '61' },
    }),
  );
  const run = await google.client().gmailSync.incremental(user, '41');
  const records = [];
  for await (const record of run) records.push(record);
  assert.deepEqual(
    records.map((r) => r.id),
    ['42', '50'],
  );
  assert.equal(records[1]?.messagesDeleted?.[0]?.message.id, 'a');
  assert.equal(run.cursor, '61');
  assert.equal(google.calls('GET', /\/history$/)[0]?.query.get('startHistoryId'), '41');
});

test('a history id too old (404) throws ResyncRequired from gmailSync.incremental', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('GET', /\/history$/, (_req, res) =>
    sendGoogleError(res, 404, 'notFound', 'Requested entity was not found.', { googleStatus: 'NOT_FOUND' }),
  );
  await assert.rejects(google.client().gmailSync.incremental(user, '1'), (error: unknown) => {
    assert.ok(error instanceof ResyncRequired);
    assert.ok(error.cause instanceof GoogleApiError && error.cause.status === 404);
    return true;
  });
});

test('labels.list and labels.create, and the rfc822msgid lookup used for idempotent restore', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('GET', /\/labels$/, (_req, res) =>
    sendJson(res, 200, { labels: [{ id: 'INBOX', name: 'INBOX', type: 'system' }] }),
  );
  google.route('POST', /\/labels$/, (req, res) =>
    sendJson(res, 200, { id: 'Label_1', type: 'user', ...JSON.parse(req.body.toString()) }),
  );
  google.route('GET', /\/messages$/, (req, res) =>
    sendJson(res, 200, req.query.get('q') === 'rfc822msgid:abc@x' ? { messages: [{ id: 'm9', threadId: 't9' }] } : {}),
  );
  const client = google.client();
  assert.equal((await client.gmail.listLabels(user))[0]?.id, 'INBOX');
  assert.equal((await client.gmail.createLabel(user, { name: 'Restored' })).id, 'Label_1');
  assert.deepEqual(await client.gmail.findByRfc822MessageId(user, '<abc@x>'), [{ id: 'm9', threadId: 't9' }]);
  assert.equal(google.calls('GET', /\/messages$/)[0]?.query.get('includeSpamTrash'), 'true');
  const [stats] = client.quotaStats();
  assert.equal(stats?.unitsSpent, 1 + 5 + 5);
});

test('messages.import sends a multipart upload with labelIds, dateHeader and neverMarkSpam', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('POST', '/upload/gmail/v1/users/ann%40example.com/messages/import', (_req, res) =>
    sendJson(res, 200, { id: 'new1', threadId: 'tn', labelIds: ['INBOX'] }),
  );
  const client = google.client();
  const result = await client.gmail.importMessage(user, rfc822, { labelIds: ['INBOX', 'Label_1'] });
  assert.equal(result.id, 'new1');
  const [call] = google.requests;
  assert.equal(call?.query.get('uploadType'), 'multipart');
  assert.equal(call?.query.get('internalDateSource'), 'dateHeader');
  assert.equal(call?.query.get('neverMarkSpam'), 'true');
  assert.match(String(call?.headers['content-type']), /^multipart\/related; boundary=/);
  const body = call?.body.toString('utf8') ?? '';
  assert.ok(body.includes('{"labelIds":["INBOX","Label_1"]}'));
  assert.ok(body.includes('Content-Type: message/rfc822'));
  assert.ok(call?.body.includes(rfc822));
  assert.equal(client.quotaStats()[0]?.unitsSpent, 25);
});

test('messages.import above the multipart limit uses a resumable session', async (t) => {
  const google = await startScriptedGoogle(t);
  const received: Buffer[] = [];
  google.route('POST', /\/upload\/gmail\/v1\/users\/[^/]+\/messages\/import$/, (req, res) => {
    res.writeHead(200, { location: `${google.url}/upload/session/g1?upload_id=g1` });
    res.end();
    assert.equal(req.query.get('uploadType'), 'resumable');
    assert.equal(req.headers['x-upload-content-type'], 'message/rfc822');
  });
  google.route('PUT', '/upload/session/g1', (req, res) => {
    received.push(req.body);
    sendJson(res, 200, { id: 'big1', threadId: 'tb' });
  });
  const result = await google.client().gmail.importMessage(user, rfc822, { multipartMaxBytes: 10 });
  assert.equal(result.id, 'big1');
  assert.deepEqual(Buffer.concat(received), rfc822);
  assert.equal(
    google.calls('PUT', '/upload/session/g1')[0]?.headers['content-range'],
    `bytes 0-${rfc822.length - 1}/${rfc822.length}`,
  );
});

test('system labels, CATEGORY_* included, are recognised so a restore creates only user labels', () => {
  assert.ok(isSystemLabel('INBOX'));
  assert.ok(isSystemLabel('CATEGORY_PROMOTIONS'));
  assert.ok(!isSystemLabel('Label_12'));
});
