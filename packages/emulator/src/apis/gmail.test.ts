import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../index.ts';
import { accessToken, clientsFor, failure, SMALL_DOMAIN } from '../test-support/google-clients.ts';

const D = 'gmail.test';
const ADMIN = `admin@${D}`;
let emulator: RunningEmulator;
let c: ReturnType<typeof clientsFor>;

before(async () => {
  emulator = await startEmulator({ domain: D, users: 3, generate: SMALL_DOMAIN });
  c = clientsFor(emulator.url, emulator.serviceAccountKey, ADMIN);
});
after(() => emulator.stop());

const raw = (id: string, subject: string, date = 'Mon, 02 Mar 2026 10:00:00 +0000') =>
  `From: Zoë <zoe@partner.example>\r\nTo: ${ADMIN}\r\nSubject: ${subject}\r\nDate: ${date}\r\nMessage-ID: <${id}>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nHello ${subject}\r\n`;

test('profile reports the address, totals and a historyId', async () => {
  const { data } = await c.gmail.users.getProfile({ userId: 'me' });
  assert.equal(data.emailAddress, ADMIN);
  assert.equal(data.messagesTotal, 12);
  assert.match(String(data.historyId), /^\d+$/);
});

test('labels: system labels listed, user label created, system names and duplicates refused', async () => {
  const { data } = await c.gmail.users.labels.list({ userId: 'me' });
  const names = data.labels?.map((l) => l.id) ?? [];
  for (const id of ['INBOX', 'SENT', 'TRASH', 'SPAM', 'UNREAD', 'CATEGORY_PERSONAL']) assert.ok(names.includes(id), id);
  const created = await c.gmail.users.labels.create({
    userId: 'me',
    requestBody: { name: 'Restored/2026', labelListVisibility: 'labelShow', messageListVisibility: 'show' },
  });
  assert.equal(created.data.type, 'user');
  assert.match(created.data.id ?? '', /^Label_\d+$/);
  const system = await failure(c.gmail.users.labels.create({ userId: 'me', requestBody: { name: 'INBOX' } }));
  assert.equal(system.status, 400);
  const duplicate = await failure(
    c.gmail.users.labels.create({ userId: 'me', requestBody: { name: 'restored/2026' } }),
  );
  assert.equal(duplicate.status, 409);
});

test('messages.list pages through everything with includeSpamTrash', async () => {
  const ids = new Set<string>();
  let pageToken: string | undefined;
  do {
    const { data } = await c.gmail.users.messages.list({
      userId: 'me',
      maxResults: 5,
      includeSpamTrash: true,
      pageToken,
    });
    for (const m of data.messages ?? []) ids.add(m.id ?? '');
    pageToken = data.nextPageToken ?? undefined;
  } while (pageToken);
  const profile = await c.gmail.users.getProfile({ userId: 'me' });
  assert.equal(ids.size, profile.data.messagesTotal);
});

test('import (media, multipart, resumable) then search by rfc822msgid, from, to, subject, label, after, before', async () => {
  const media = await c.gmail.users.messages.import(
    {
      userId: 'me',
      internalDateSource: 'dateHeader',
      neverMarkSpam: true,
      requestBody: { labelIds: ['INBOX'] },
      media: { mimeType: 'message/rfc822', body: raw('imp-1@test', 'Quarterly Ünïcode') },
    },
    c.at,
  );
  assert.ok(media.data.id);
  assert.deepEqual(media.data.labelIds, ['INBOX']);
  // media upload without metadata: raw POST with uploadType=media
  const token = await accessToken(emulator.url, emulator.serviceAccountKey, ADMIN);
  const direct = await fetch(
    `${emulator.url}/upload/gmail/v1/users/me/messages/import?uploadType=media&internalDateSource=dateHeader`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'message/rfc822' },
      body: raw('imp-2@test', 'Plain media', 'Tue, 03 Mar 2026 10:00:00 +0000'),
    },
  );
  assert.equal(direct.status, 200);
  // resumable: open a session, send two chunks, check 308 + Range in between
  const body = Buffer.from(
    raw('imp-3@test', 'Resumable one', 'Wed, 04 Mar 2026 10:00:00 +0000') + 'x'.repeat(300 * 1024),
  );
  const open = await fetch(
    `${emulator.url}/upload/gmail/v1/users/me/messages/import?uploadType=resumable&internalDateSource=dateHeader`,
    {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'x-upload-content-type': 'message/rfc822',
        'x-upload-content-length': String(body.length),
      },
      body: JSON.stringify({ labelIds: ['INBOX', 'UNREAD'] }),
    },
  );
  assert.equal(open.status, 200);
  const session = open.headers.get('location') ?? '';
  const chunk = 256 * 1024;
  const first = await fetch(session, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-range': `bytes 0-${chunk - 1}/${body.length}` },
    body: body.subarray(0, chunk),
  });
  assert.equal(first.status, 308);
  assert.equal(first.headers.get('range'), `bytes=0-${chunk - 1}`);
  const status = await fetch(session, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-range': `bytes */${body.length}` },
  });
  assert.equal(status.status, 308);
  assert.equal(status.headers.get('range'), `bytes=0-${chunk - 1}`);
  const last = await fetch(session, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-range': `bytes ${chunk}-${body.length - 1}/${body.length}` },
    body: body.subarray(chunk),
  });
  assert.equal(last.status, 200);
  const resumed = (await last.json()) as { id: string; labelIds: string[] };
  assert.deepEqual(resumed.labelIds.sort(), ['INBOX', 'UNREAD']);

  const search = async (q: string) =>
    (await c.gmail.users.messages.list({ userId: 'me', q })).data.messages?.map((m) => m.id) ?? [];
  assert.deepEqual(await search('rfc822msgid:imp-1@test'), [media.data.id]);
  assert.deepEqual(await search('rfc822msgid:<imp-3@test>'), [resumed.id]);
  assert.equal((await search('from:zoe@partner.example')).length, 3);
  assert.ok((await search(`to:${ADMIN} subject:"Plain media"`)).length === 1);
  assert.deepEqual(await search('subject:Ünïcode'), [media.data.id]);
  assert.deepEqual(await search('after:2026/03/03 before:2026/03/04 from:zoe'), [
    (await search('rfc822msgid:imp-2@test'))[0],
  ]);
  assert.ok((await search('label:unread rfc822msgid:imp-3@test')).includes(resumed.id));
  assert.deepEqual(await search('label:inbox subject:nothing-like-this'), []);
  // OR (upper case) joins the terms either side of it, and binds tighter than the implicit AND.
  assert.deepEqual(
    (await search('rfc822msgid:imp-1@test OR rfc822msgid:<imp-3@test> OR rfc822msgid:nobody@test')).sort(),
    [media.data.id, resumed.id].sort(),
  );
  assert.deepEqual(await search('rfc822msgid:nobody@test OR rfc822msgid:none@test'), []);
  assert.deepEqual(await search('label:unread rfc822msgid:imp-1@test OR rfc822msgid:imp-3@test'), [resumed.id]);
});

test('messages.get returns raw (base64url RFC 822), metadata headers and minimal', async () => {
  const [first] =
    (await c.gmail.users.messages.list({ userId: 'me', q: 'rfc822msgid:imp-1@test' })).data.messages ?? [];
  const id = first?.id ?? '';
  const rawFormat = await c.gmail.users.messages.get({ userId: 'me', id, format: 'raw' });
  const text = Buffer.from(rawFormat.data.raw ?? '', 'base64url').toString('utf8');
  assert.equal(text, raw('imp-1@test', 'Quarterly Ünïcode'));
  assert.equal(rawFormat.data.internalDate, String(Date.parse('Mon, 02 Mar 2026 10:00:00 +0000')));
  assert.equal(rawFormat.data.sizeEstimate, Buffer.byteLength(text));
  const metadata = await c.gmail.users.messages.get({
    userId: 'me',
    id,
    format: 'metadata',
    metadataHeaders: ['Subject', 'Message-ID'],
  });
  assert.deepEqual(metadata.data.payload?.headers, [
    { name: 'Subject', value: 'Quarterly Ünïcode' },
    { name: 'Message-ID', value: '<imp-1@test>' },
  ]);
  const minimal = await c.gmail.users.messages.get({ userId: 'me', id, format: 'minimal' });
  assert.equal(minimal.data.raw, undefined);
  assert.equal(minimal.data.payload, undefined);
  assert.ok(minimal.data.labelIds?.includes('INBOX'));
  const missing = await failure(c.gmail.users.messages.get({ userId: 'me', id: 'ffffffffffffffff' }));
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error?.errors?.[0]?.reason, 'notFound');
});

test('generated messages are valid MIME with attachments, html alternatives and non-ASCII', async () => {
  const { data } = await c.gmail.users.messages.list({ userId: 'me', maxResults: 12, includeSpamTrash: true });
  const bodies = await Promise.all(
    (data.messages ?? []).map(async (m) =>
      Buffer.from(
        (await c.gmail.users.messages.get({ userId: 'me', id: m.id ?? '', format: 'raw' })).data.raw ?? '',
        'base64url',
      ).toString('utf8'),
    ),
  );
  assert.ok(bodies.every((b) => /^From: /m.test(b) && /^Message-ID: </m.test(b)));
  assert.ok(
    bodies.some((b) => b.includes('multipart/')),
    'some multipart message',
  );
});

test('modify, trash, history records and delete needs the full mail scope', async () => {
  const profile = await c.gmail.users.getProfile({ userId: 'me' });
  const start = profile.data.historyId ?? '';
  const [first] =
    (await c.gmail.users.messages.list({ userId: 'me', q: 'rfc822msgid:imp-3@test' })).data.messages ?? [];
  const id = first?.id ?? '';
  const modified = await c.gmail.users.messages.modify({
    userId: 'me',
    id,
    requestBody: { addLabelIds: ['STARRED'], removeLabelIds: ['INBOX'] },
  });
  assert.ok(modified.data.labelIds?.includes('STARRED'));
  assert.ok(!modified.data.labelIds?.includes('INBOX'));
  const badLabel = await failure(
    c.gmail.users.messages.modify({ userId: 'me', id, requestBody: { addLabelIds: ['Label_999'] } }),
  );
  assert.equal(badLabel.status, 400);
  await c.gmail.users.messages.trash({ userId: 'me', id });
  assert.deepEqual(
    (await c.gmail.users.messages.list({ userId: 'me', q: 'rfc822msgid:imp-3@test' })).data.messages,
    undefined,
  );
  assert.equal(
    (await c.gmail.users.messages.list({ userId: 'me', q: 'rfc822msgid:imp-3@test', includeSpamTrash: true })).data
      .messages?.length,
    1,
  );
  const history = await c.gmail.users.history.list({ userId: 'me', startHistoryId: start });
  const kinds = (history.data.history ?? []).flatMap((h) =>
    Object.keys(h).filter((k) => k !== 'id' && k !== 'messages'),
  );
  assert.deepEqual(kinds, ['labelsAdded', 'labelsRemoved', 'labelsAdded']);
  const onlyAdds = await c.gmail.users.history.list({
    userId: 'me',
    startHistoryId: start,
    historyTypes: ['labelAdded'],
  });
  assert.equal(onlyAdds.data.history?.length, 2);
  const denied = await failure(c.gmail.users.messages.delete({ userId: 'me', id }));
  assert.equal(denied.status, 403);
  assert.equal(denied.body.error?.errors?.[0]?.reason, 'insufficientPermissions');
  emulator.control.grantDelegation({ domain: D, scopes: ['https://mail.google.com/'] });
  const full = clientsFor(emulator.url, emulator.serviceAccountKey, ADMIN, ['https://mail.google.com/']);
  await full.gmail.users.messages.delete({ userId: 'me', id });
  const after = await c.gmail.users.history.list({
    userId: 'me',
    startHistoryId: start,
    historyTypes: ['messageDeleted'],
  });
  assert.equal(after.data.history?.[0]?.messagesDeleted?.[0]?.message?.id, id);
});

test('history.list answers 404 once the start id is older than the retained history', async () => {
  const profile = await c.gmail.users.getProfile({ userId: 'me' });
  const old = profile.data.historyId ?? '';
  emulator.control.addMessage({ email: ADMIN, subject: 'new mail' });
  assert.equal((await c.gmail.users.history.list({ userId: 'me', startHistoryId: old })).data.history?.length, 1);
  emulator.control.advanceClock({ ms: 8 * 24 * 3600_000 });
  emulator.control.addMessage({ email: ADMIN, subject: 'newer mail' });
  const expired = await failure(c.gmail.users.history.list({ userId: 'me', startHistoryId: old }));
  assert.equal(expired.status, 404);
  assert.equal(expired.body.error?.errors?.[0]?.reason, 'notFound');
});

test('another user than the token subject is refused like Google', async () => {
  const other = await failure(c.gmail.users.getProfile({ userId: `alice.martin@${D}` }));
  assert.equal(other.status, 403);
  assert.equal(other.body.error?.message, `Delegation denied for ${ADMIN}`);
});

test('batch endpoint runs each part and answers multipart/mixed', async () => {
  const token = await accessToken(emulator.url, emulator.serviceAccountKey, ADMIN);
  const ids = ((await c.gmail.users.messages.list({ userId: 'me', maxResults: 3 })).data.messages ?? []).map(
    (m) => m.id ?? '',
  );
  const boundary = 'batch_foobar';
  const parts = [...ids, 'ffffffffffffffff']
    .map(
      (id, index) =>
        `--${boundary}\r\nContent-Type: application/http\r\nContent-ID: <item${index}>\r\n\r\nGET /gmail/v1/users/me/messages/${id}?format=minimal\r\n\r\n`,
    )
    .join('');
  const response = await fetch(`${emulator.url}/batch/gmail/v1`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/mixed; boundary=${boundary}` },
    body: `${parts}--${boundary}--\r\n`,
  });
  assert.equal(response.status, 200);
  const type = response.headers.get('content-type') ?? '';
  assert.match(type, /^multipart\/mixed; boundary=/);
  const text = await response.text();
  assert.equal((text.match(/HTTP\/1\.1 200/g) ?? []).length, 3);
  assert.equal((text.match(/HTTP\/1\.1 404/g) ?? []).length, 1);
  assert.match(text, /Content-ID: <response-item0>/);
  for (const id of ids) assert.ok(text.includes(`"id":"${id}"`));
});

test('bad input: unknown parameter, bad format, malformed JSON and multipart give Google errors', async () => {
  const token = await accessToken(emulator.url, emulator.serviceAccountKey, ADMIN);
  const auth = { authorization: `Bearer ${token}` };
  const unknown = await fetch(`${emulator.url}/gmail/v1/users/me/messages?bogus=1`, { headers: auth });
  assert.equal(unknown.status, 400);
  assert.match(((await unknown.json()) as { error: { message: string } }).error.message, /Unknown name "bogus"/);
  const format = await fetch(`${emulator.url}/gmail/v1/users/me/messages/x?format=weird`, { headers: auth });
  assert.equal(format.status, 404);
  const json = await fetch(`${emulator.url}/gmail/v1/users/me/labels`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: '{"name":',
  });
  assert.equal(json.status, 400);
  const multipart = await fetch(`${emulator.url}/upload/gmail/v1/users/me/messages/import?uploadType=multipart`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'multipart/related; boundary=zzz' },
    body: 'garbage',
  });
  assert.equal(multipart.status, 400);
  const history = await fetch(`${emulator.url}/gmail/v1/users/me/history?startHistoryId=abc`, { headers: auth });
  assert.equal(history.status, 400);
  const profile = await c.gmail.users.getProfile({ userId: 'me' });
  assert.equal(profile.status, 200);
});

test('fields selects parts of Gmail answers, including raw messages', async () => {
  const list = await c.gmail.users.messages.list({ userId: 'me', maxResults: 2, fields: 'messages(id)' });
  assert.deepEqual(Object.keys(list.data), ['messages']);
  assert.deepEqual(Object.keys(list.data.messages?.[0] ?? {}), ['id']);
  const raw = await c.gmail.users.messages.get({
    userId: 'me',
    id: list.data.messages?.[0]?.id ?? '',
    format: 'raw',
    fields: 'id,raw',
  });
  assert.deepEqual(Object.keys(raw.data).sort(), ['id', 'raw']);
});

test('untrash, labels.get counts and JSON import with a raw field', async () => {
  const raw = Buffer.from(
    `From: a@b.example\r\nTo: ${ADMIN}\r\nSubject: Json import\r\nMessage-ID: <json-1@test>\r\n\r\nbody\r\n`,
  ).toString('base64url');
  const imported = await c.gmail.users.messages.import({
    userId: 'me',
    requestBody: { raw, labelIds: ['INBOX', 'UNREAD'] },
  });
  const id = imported.data.id ?? '';
  await c.gmail.users.messages.trash({ userId: 'me', id });
  const untrashed = await c.gmail.users.messages.untrash({ userId: 'me', id });
  assert.ok(!untrashed.data.labelIds?.includes('TRASH'));
  const unread = await c.gmail.users.labels.get({ userId: 'me', id: 'UNREAD' });
  assert.ok((unread.data.messagesUnread ?? 0) >= 1);
  const missing = await failure(c.gmail.users.labels.get({ userId: 'me', id: 'Label_404' }));
  assert.equal(missing.status, 404);
  const empty = await failure(c.gmail.users.messages.import({ userId: 'me', requestBody: {} }));
  assert.equal(empty.status, 400);
});

test('format=full gives the MIME tree; attachments.get returns the decoded attachment', async () => {
  const { data } = await c.gmail.users.messages.list({
    userId: 'me',
    q: 'has:attachment',
    maxResults: 1,
    includeSpamTrash: true,
  });
  const id = data.messages?.[0]?.id ?? '';
  assert.ok(id, 'a generated message with an attachment');
  const full = await c.gmail.users.messages.get({ userId: 'me', id, format: 'full' });
  assert.match(full.data.payload?.mimeType ?? '', /^multipart\//);
  const leaves: {
    filename?: string | null;
    body?: { attachmentId?: string | null; data?: string | null; size?: number | null } | null;
    mimeType?: string | null;
  }[] = [];
  const walk = (part: typeof full.data.payload) => {
    if (!part) return;
    if (part.parts?.length) for (const child of part.parts) walk(child);
    else leaves.push(part);
  };
  walk(full.data.payload);
  const text = leaves.find((p) => p.mimeType === 'text/plain');
  assert.ok(Buffer.from(text?.body?.data ?? '', 'base64url').length > 0);
  const attachment = leaves.find((p) => p.filename);
  assert.ok(attachment?.body?.attachmentId);
  const got = await c.gmail.users.messages.attachments.get({
    userId: 'me',
    messageId: id,
    id: attachment?.body?.attachmentId ?? '',
  });
  assert.equal(got.data.size, attachment?.body?.size);
  assert.equal(Buffer.from(got.data.data ?? '', 'base64url').length, attachment?.body?.size);
  const bad = await failure(c.gmail.users.messages.attachments.get({ userId: 'me', messageId: id, id: 'nope' }));
  assert.equal(bad.status, 400);
});
