import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../index.ts';
import { accessToken, clientsFor, failure, SMALL_DOMAIN } from '../test-support/google-clients.ts';

const D = 'drive.test';
const ADMIN = `admin@${D}`;
const ALICE = `alice.martin@${D}`;
let emulator: RunningEmulator;
let c: ReturnType<typeof clientsFor>;

before(async () => {
  emulator = await startEmulator({ domain: D, users: 4, generate: { ...SMALL_DOMAIN, filesPerUser: 30 } });
  c = clientsFor(emulator.url, emulator.serviceAccountKey, ADMIN);
});
after(() => emulator.stop());

const FIELDS =
  'nextPageToken,files(id,name,mimeType,parents,trashed,size,md5Checksum,sha256Checksum,version,owners,exportLinks,shortcutDetails,capabilities/canDownload)';

async function listAll(q?: string) {
  const files = [];
  let pageToken: string | undefined;
  do {
    const { data } = await c.drive.files.list({ q, pageSize: 7, pageToken, fields: FIELDS });
    files.push(...(data.files ?? []));
    pageToken = data.nextPageToken ?? undefined;
  } while (pageToken);
  return files;
}

test('files.list pages with fields; binary files carry checksums and Google files exportLinks', async () => {
  const files = await listAll('trashed = false');
  assert.ok(files.length >= 30);
  const binary = files.find((f) => f.md5Checksum);
  assert.ok(binary?.sha256Checksum && binary.size);
  const doc = files.find((f) => f.mimeType === 'application/vnd.google-apps.document');
  assert.ok(doc?.exportLinks?.['application/vnd.openxmlformats-officedocument.wordprocessingml.document']);
  assert.equal(doc?.md5Checksum, undefined);
  assert.ok(files.every((f) => f.capabilities?.canDownload === true));
  const media = await c.drive.files.get({ fileId: binary?.id ?? '', alt: 'media' }, { responseType: 'arraybuffer' });
  const bytes = Buffer.from(media.data as unknown as ArrayBuffer);
  assert.equal(createHash('sha256').update(bytes).digest('hex'), binary?.sha256Checksum);
  assert.equal(String(bytes.length), binary?.size);
});

test('q forms: name =, in parents, trashed, mimeType, appProperties has', async () => {
  const folders = await listAll("mimeType = 'application/vnd.google-apps.folder' and 'root' in parents");
  assert.deepEqual(
    folders.map((f) => f.name).sort(),
    ['Finance', 'Photos', 'Projects'].filter((n) => folders.some((f) => f.name === n)).sort(),
  );
  assert.ok(folders.length >= 1);
  const byName = await listAll(`name = '${folders[0]?.name}'`);
  assert.equal(byName[0]?.id, folders[0]?.id);
  const created = await c.drive.files.create(
    {
      requestBody: {
        name: "O'Brien notes.txt",
        parents: [folders[0]?.id ?? ''],
        appProperties: { safeholdRestore: 'r1' },
      },
      media: { mimeType: 'text/plain', body: 'hi' },
      fields: 'id',
    },
    c.at,
  );
  const tagged = await listAll("appProperties has { key='safeholdRestore' and value='r1' } and trashed = false");
  assert.deepEqual(
    tagged.map((f) => f.id),
    [created.data.id],
  );
  const inParent = await listAll(`'${folders[0]?.id}' in parents and name = 'O\\'Brien notes.txt'`);
  assert.deepEqual(
    inParent.map((f) => f.id),
    [created.data.id],
  );
  const invalid = await failure(c.drive.files.list({ q: "name = 'unterminated" }));
  assert.equal(invalid.status, 400);
  assert.equal(invalid.body.error?.errors?.[0]?.reason, 'invalid');
});

test('export gives a real Office zip; over 10 MB it is refused with exportSizeLimitExceeded', async () => {
  const [doc] = await listAll("mimeType = 'application/vnd.google-apps.document'");
  const exported = await c.drive.files.export(
    { fileId: doc?.id ?? '', mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' },
    { responseType: 'arraybuffer' },
  );
  const zip = Buffer.from(exported.data as unknown as ArrayBuffer);
  assert.equal(zip.subarray(0, 2).toString(), 'PK');
  assert.ok(zip.includes(Buffer.from('word/document.xml')));
  const huge = emulator.control.createFile({ email: ADMIN, name: 'Huge doc', docText: 'x'.repeat(11 * 1024 * 1024) });
  const refused = await failure(c.drive.files.export({ fileId: huge.id, mimeType: 'text/plain' }));
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error?.errors?.[0]?.reason, 'exportSizeLimitExceeded');
  const unsupported = await failure(c.drive.files.export({ fileId: doc?.id ?? '', mimeType: 'image/gif' }));
  assert.equal(unsupported.status, 400);
  const binary = (await listAll("mimeType = 'application/pdf'"))[0];
  if (binary)
    assert.equal(
      (await failure(c.drive.files.export({ fileId: binary.id ?? '', mimeType: 'text/plain' }))).status,
      403,
    );
  const download = await failure(c.drive.files.get({ fileId: doc?.id ?? '', alt: 'media' }));
  assert.equal(download.body.error?.errors?.[0]?.reason, 'fileNotDownloadable');
});

test('create with Google mimeType from an Office upload keeps the bytes as its export', async () => {
  const [doc] = await listAll("mimeType = 'application/vnd.google-apps.document'");
  const docx = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
  const exported = Buffer.from(
    (await c.drive.files.export({ fileId: doc?.id ?? '', mimeType: docx }, { responseType: 'arraybuffer' }))
      .data as unknown as ArrayBuffer,
  );
  const restored = await c.drive.files.create(
    {
      requestBody: { name: 'Restored doc', mimeType: 'application/vnd.google-apps.document' },
      media: { mimeType: docx, body: Readable.from([exported]) },
      fields: 'id,mimeType',
    },
    c.at,
  );
  assert.equal(restored.data.mimeType, 'application/vnd.google-apps.document');
  const again = Buffer.from(
    (await c.drive.files.export({ fileId: restored.data.id ?? '', mimeType: docx }, { responseType: 'arraybuffer' }))
      .data as unknown as ArrayBuffer,
  );
  assert.ok(again.equals(exported));
});

test('resumable create and update: 308 with Range, status query, completion', async () => {
  const token = await accessToken(emulator.url, emulator.serviceAccountKey, ADMIN);
  const content = Buffer.alloc(600 * 1024, 7);
  const open = await fetch(
    `${emulator.url}/upload/drive/v3/files?uploadType=resumable&fields=id,name,size,md5Checksum`,
    {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json; charset=UTF-8',
        'x-upload-content-type': 'application/octet-stream',
        'x-upload-content-length': String(content.length),
      },
      body: JSON.stringify({ name: 'big.bin' }),
    },
  );
  assert.equal(open.status, 200);
  const session = open.headers.get('location') ?? '';
  const chunk = 256 * 1024;
  let response = await fetch(session, {
    method: 'PUT',
    headers: { 'content-range': `bytes 0-${chunk - 1}/${content.length}`, authorization: `Bearer ${token}` },
    body: content.subarray(0, chunk),
  });
  assert.equal(response.status, 308);
  assert.equal(response.headers.get('range'), `bytes=0-${chunk - 1}`);
  response = await fetch(session, {
    method: 'PUT',
    headers: { 'content-range': `bytes */${content.length}`, authorization: `Bearer ${token}` },
  });
  assert.equal(response.headers.get('range'), `bytes=0-${chunk - 1}`);
  response = await fetch(session, {
    method: 'PUT',
    headers: { 'content-range': `bytes ${chunk}-${2 * chunk - 1}/${content.length}`, authorization: `Bearer ${token}` },
    body: content.subarray(chunk, 2 * chunk),
  });
  assert.equal(response.status, 308);
  response = await fetch(session, {
    method: 'PUT',
    headers: {
      'content-range': `bytes ${2 * chunk}-${content.length - 1}/${content.length}`,
      authorization: `Bearer ${token}`,
    },
    body: content.subarray(2 * chunk),
  });
  assert.equal(response.status, 200);
  const file = (await response.json()) as { id: string; size: string; md5Checksum: string };
  assert.equal(file.size, String(content.length));
  assert.equal(file.md5Checksum, createHash('md5').update(content).digest('hex'));
  const update = await fetch(`${emulator.url}/upload/drive/v3/files/${file.id}?uploadType=resumable`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-upload-content-length': '5' },
    body: JSON.stringify({ name: 'big-v2.bin' }),
  });
  const done = await fetch(update.headers.get('location') ?? '', {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-range': 'bytes 0-4/5' },
    body: 'hello',
  });
  assert.equal(done.status, 200);
  const got = await c.drive.files.get({ fileId: file.id, fields: 'name,size,version' });
  assert.equal(got.data.name, 'big-v2.bin');
  assert.equal(got.data.size, '5');
  const bad = await fetch(session.replace(/upload_id=[^&]+/, 'upload_id=nope'), {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}` },
    body: 'x',
  });
  assert.equal(bad.status, 404);
});

test('multipart update changes content and version; delete removes the file', async () => {
  const created = await c.drive.files.create(
    { requestBody: { name: 'draft.txt' }, media: { mimeType: 'text/plain', body: 'one' }, fields: 'id,version' },
    c.at,
  );
  const updated = await c.drive.files.update(
    {
      fileId: created.data.id ?? '',
      requestBody: { name: 'final.txt' },
      media: { mimeType: 'text/plain', body: 'two' },
      fields: 'id,name,version,md5Checksum',
    },
    c.at,
  );
  assert.equal(updated.data.name, 'final.txt');
  assert.ok(Number(updated.data.version) > Number(created.data.version));
  assert.equal(updated.data.md5Checksum, createHash('md5').update('two').digest('hex'));
  await c.drive.files.delete({ fileId: created.data.id ?? '' });
  const gone = await failure(c.drive.files.get({ fileId: created.data.id ?? '' }));
  assert.equal(gone.status, 404);
  assert.equal(gone.body.error?.message, `File not found: ${created.data.id}.`);
});

test('changes: startPageToken then changes list shows edits, trash and removals; newStartPageToken on the last page', async () => {
  const start = (await c.drive.changes.getStartPageToken({})).data.startPageToken ?? '';
  const a = emulator.control.createFile({ email: ADMIN, name: 'a.txt', content: 'a' });
  const b = emulator.control.createFile({ email: ADMIN, name: 'b.txt', content: 'b' });
  emulator.control.renameFile({ email: ADMIN, id: a.id, name: 'a2.txt' });
  emulator.control.trashFile({ email: ADMIN, id: b.id });
  emulator.control.deleteFile({ email: ADMIN, id: a.id });
  const page1 = await c.drive.changes.list({ pageToken: start, pageSize: 1, fields: '*' });
  assert.ok(page1.data.nextPageToken);
  assert.equal(page1.data.newStartPageToken, undefined);
  const page2 = await c.drive.changes.list({ pageToken: page1.data.nextPageToken ?? '', pageSize: 10, fields: '*' });
  const changes = [...(page1.data.changes ?? []), ...(page2.data.changes ?? [])];
  assert.ok(page2.data.newStartPageToken);
  const byId = new Map(changes.map((ch) => [ch.fileId, ch]));
  assert.equal(byId.get(a.id)?.removed, true);
  assert.equal(byId.get(b.id)?.file?.trashed, true);
  const none = await c.drive.changes.list({ pageToken: page2.data.newStartPageToken ?? '' });
  assert.deepEqual(none.data.changes, []);
});

test('shared drives: admin lists all with useDomainAdminAccess; listing files needs membership', async () => {
  const all = await c.drive.drives.list({ useDomainAdminAccess: true });
  assert.equal(all.data.drives?.length, 1);
  const driveId = all.data.drives?.[0]?.id ?? '';
  const perms = await c.drive.permissions.list({
    fileId: driveId,
    supportsAllDrives: true,
    useDomainAdminAccess: true,
  });
  const organizer = perms.data.permissions?.find((p) => p.role === 'organizer')?.emailAddress ?? '';
  assert.ok(organizer);
  const member = clientsFor(emulator.url, emulator.serviceAccountKey, organizer);
  const files = await member.drive.files.list({
    corpora: 'drive',
    driveId,
    includeItemsFromAllDrives: true,
    supportsAllDrives: true,
    fields: 'files(id,driveId)',
  });
  assert.equal(files.data.files?.length, 8);
  assert.ok(files.data.files?.every((f) => f.driveId === driveId));
  const nonMember = clientsFor(emulator.url, emulator.serviceAccountKey, `bruno.durand@${D}`);
  const isMember = perms.data.permissions?.some((p) => p.emailAddress === `bruno.durand@${D}`);
  if (!isMember) {
    const refused = await failure(
      nonMember.drive.files.list({
        corpora: 'drive',
        driveId,
        includeItemsFromAllDrives: true,
        supportsAllDrives: true,
      }),
    );
    assert.equal(refused.status, 404);
    // The changes of a shared drive are refused to a non-member in the same words.
    for (const call of [
      nonMember.drive.changes.getStartPageToken({ driveId, supportsAllDrives: true }),
      nonMember.drive.changes.list({
        pageToken: '1',
        driveId,
        includeItemsFromAllDrives: true,
        supportsAllDrives: true,
      }),
    ]) {
      const hidden = await failure(call);
      assert.equal(hidden.status, 404);
      assert.equal(hidden.body.error?.message, `Shared drive not found: ${driveId}`);
    }
  }
  const notAdmin = await failure(
    clientsFor(emulator.url, emulator.serviceAccountKey, ALICE).drive.drives.list({ useDomainAdminAccess: true }),
  );
  assert.equal(notAdmin.status, 403);
});

test('writing into a shared drive needs supportsAllDrives; a marker search finds the file with corpora=drive only', async () => {
  const all = await c.drive.drives.list({ useDomainAdminAccess: true });
  const driveId = all.data.drives?.[0]?.id ?? '';
  const perms = await c.drive.permissions.list({
    fileId: driveId,
    supportsAllDrives: true,
    useDomainAdminAccess: true,
  });
  const organizer = perms.data.permissions?.find((p) => p.role === 'organizer')?.emailAddress ?? '';
  const member = clientsFor(emulator.url, emulator.serviceAccountKey, organizer);
  const requestBody = { name: 'restored.txt', parents: [driveId], appProperties: { marker: 'm-1' } };
  const media = { mimeType: 'text/plain', body: 'back again' };
  const hidden = await failure(member.drive.files.create({ requestBody, media, fields: 'id' }, member.at));
  assert.equal(hidden.status, 404, 'without supportsAllDrives the drive is not found, as at Google');
  const created = await member.drive.files.create(
    { requestBody, media, supportsAllDrives: true, fields: 'id,driveId,parents' },
    member.at,
  );
  assert.equal(created.data.driveId, driveId);
  assert.deepEqual(created.data.parents, [driveId]);
  const inFolder = await member.drive.files.create({
    requestBody: { name: 'Restored', mimeType: 'application/vnd.google-apps.folder', parents: [driveId] },
    supportsAllDrives: true,
    fields: 'id',
  });
  const refused = await failure(
    member.drive.files.create({ requestBody: { name: 'x', parents: [inFolder.data.id ?? ''] }, fields: 'id' }),
  );
  assert.equal(refused.status, 404, 'a folder of a shared drive as parent needs supportsAllDrives too');

  const q = "appProperties has { key='marker' and value='m-1' } and trashed = false";
  const inDrive = await member.drive.files.list({
    q,
    corpora: 'drive',
    driveId,
    includeItemsFromAllDrives: true,
    supportsAllDrives: true,
    fields: 'files(id)',
  });
  assert.deepEqual(
    inDrive.data.files?.map((f) => f.id),
    [created.data.id],
  );
  const myDrive = await member.drive.files.list({ q, fields: 'files(id)' });
  assert.deepEqual(myDrive.data.files, [], 'the default corpora (user) leaves shared drive files out');
  const withoutCorpora = await failure(
    member.drive.files.list({ q, driveId, includeItemsFromAllDrives: true, supportsAllDrives: true }),
  );
  assert.equal(withoutCorpora.status, 400);
  assert.equal(
    withoutCorpora.body.error?.message,
    'The driveId parameter must be specified if and only if corpora is set to drive.',
  );
  const withoutInclude = await failure(
    member.drive.files.list({ q, corpora: 'drive', driveId, supportsAllDrives: true }),
  );
  assert.equal(withoutInclude.status, 403);
  await member.drive.files.delete({ fileId: created.data.id ?? '', supportsAllDrives: true });
  await member.drive.files.delete({ fileId: inFolder.data.id ?? '', supportsAllDrives: true });
});

test('permissions: list and create with sendNotificationEmail=false; owner needs transferOwnership', async () => {
  const created = await c.drive.files.create(
    { requestBody: { name: 'shared.txt' }, media: { mimeType: 'text/plain', body: 's' }, fields: 'id' },
    c.at,
  );
  const id = created.data.id ?? '';
  const permission = await c.drive.permissions.create({
    fileId: id,
    sendNotificationEmail: false,
    requestBody: { type: 'user', role: 'reader', emailAddress: ALICE },
    fields: 'id,role,emailAddress',
  });
  assert.equal(permission.data.role, 'reader');
  const list = await c.drive.permissions.list({ fileId: id, fields: 'permissions(role,emailAddress)' });
  assert.deepEqual(list.data.permissions?.map((p) => p.emailAddress).sort(), [ADMIN, ALICE]);
  const owner = await failure(
    c.drive.permissions.create({ fileId: id, requestBody: { type: 'user', role: 'owner', emailAddress: ALICE } }),
  );
  assert.equal(owner.status, 403);
  const alice = clientsFor(emulator.url, emulator.serviceAccountKey, ALICE);
  const readable = await alice.drive.files.get({ fileId: id, fields: 'id,ownedByMe' });
  assert.equal(readable.data.ownedByMe, false);
  const denied = await failure(alice.drive.files.update({ fileId: id, requestBody: { name: 'nope' } }));
  assert.equal(denied.status, 403);
  assert.equal(denied.body.error?.errors?.[0]?.reason, 'insufficientFilePermissions');
});

test('bad input: malformed multipart and unknown upload type are 400 and the server keeps serving', async () => {
  const token = await accessToken(emulator.url, emulator.serviceAccountKey, ADMIN);
  const broken = await fetch(`${emulator.url}/upload/drive/v3/files?uploadType=multipart`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'multipart/related; boundary=abc' },
    body: '--abc\r\ncontent-type: application/json\r\n\r\n{not json\r\n--abc--',
  });
  assert.equal(broken.status, 400);
  const weird = await fetch(`${emulator.url}/upload/drive/v3/files?uploadType=weird`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: 'x',
  });
  assert.equal(weird.status, 400);
  const size = await failure(c.drive.files.list({ pageSize: 5000 }));
  assert.equal(size.status, 400);
  assert.equal((await c.drive.files.list({ pageSize: 1 })).status, 200);
});

test('a large generated file is hashed and served a piece at a time: its checksums match the bytes downloaded', async () => {
  const bytes = 40 * 1024 * 1024 + 123;
  const { id } = emulator.control.createFile({ email: ADMIN, name: 'large.bin', generatedBytes: bytes });
  const { data: meta } = await c.drive.files.get({ fileId: id, fields: 'size,md5Checksum,sha256Checksum' });
  assert.equal(meta.size, String(bytes));
  const response = await fetch(`${emulator.url}/drive/v3/files/${id}?alt=media`, {
    headers: { authorization: `Bearer ${await accessToken(emulator.url, emulator.serviceAccountKey, ADMIN)}` },
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-length'), String(bytes));
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  let received = 0;
  let pieces = 0;
  for await (const piece of Readable.fromWeb(response.body as never)) {
    md5.update(piece);
    sha256.update(piece);
    received += piece.length;
    pieces += 1;
  }
  assert.equal(received, bytes);
  assert.ok(pieces > 1);
  assert.equal(md5.digest('hex'), meta.md5Checksum);
  assert.equal(sha256.digest('hex'), meta.sha256Checksum);
  // The same seed renders the same bytes whole (the digest and small downloads use that path).
  const again = await c.drive.files.get(
    { fileId: id, alt: 'media' },
    { responseType: 'arraybuffer', headers: { range: 'bytes=0-99' } },
  );
  assert.equal(Buffer.from(again.data as unknown as ArrayBuffer).length, 100);
});
