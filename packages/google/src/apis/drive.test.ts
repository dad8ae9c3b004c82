import assert from 'node:assert/strict';
import { text } from 'node:stream/consumers';
import { test } from 'node:test';
import { GoogleApiError, GoogleResponseShapeError } from '../errors.ts';
import {
  answerPages,
  type RouteHandler,
  sendGoogleError,
  sendJson,
  startScriptedGoogle,
} from '../testing/scripted-google.ts';
import { appPropertyQuery, driveQueryValue } from './drive.ts';

const user = 'ann@example.com';
const KiB = 1024;

test('files.list pages through a shared drive with the all-drives flags and the requested fields', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route(
    'GET',
    '/drive/v3/files',
    answerPages({
      '': { files: [{ id: 'f1', name: 'a.pdf', size: '10', sha256Checksum: 'abc' }], nextPageToken: 'n1' },
      n1: { files: [{ id: 'f2', name: 'Doc', mimeType: 'application/vnd.google-apps.document' }] },
    }),
  );
  const files = [];
  for await (const file of google.client().drive.listFiles(user, { driveId: 'd1', q: 'trashed = false' }))
    files.push(file);
  assert.deepEqual(
    files.map((f) => f.id),
    ['f1', 'f2'],
  );
  assert.equal(files[0]?.sha256Checksum, 'abc');
  const query = google.requests[0]?.query;
  assert.equal(query?.get('corpora'), 'drive');
  assert.equal(query?.get('driveId'), 'd1');
  assert.equal(query?.get('includeItemsFromAllDrives'), 'true');
  assert.equal(query?.get('supportsAllDrives'), 'true');
  assert.equal(query?.get('q'), 'trashed = false');
  assert.equal(query?.get('pageSize'), '1000');
  assert.match(
    query?.get('fields') ?? '',
    /^nextPageToken,incompleteSearch,files\(id,name,mimeType,.*sha256Checksum.*\)$/,
  );
  assert.equal(google.requests[1]?.query.get('pageToken'), 'n1');
});

test('driveSync.full takes the start page token before listing; incremental runs to newStartPageToken on the last page', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('GET', '/drive/v3/changes/startPageToken', (_req, res) => sendJson(res, 200, { startPageToken: '100' }));
  google.route('GET', '/drive/v3/files', (_req, res) => sendJson(res, 200, { files: [{ id: 'f1' }] }));
  google.route(
    'GET',
    '/drive/v3/changes',
    answerPages({
      '100': {
        changes: [{ changeType: 'file', fileId: 'f1', removed: false, file: { id: 'f1', version: '7' } }],
        nextPageToken: '101',
      },
      '101': { changes: [{ changeType: 'file', fileId: 'f2', removed: true }], newStartPageToken: '102' },
    }),
  );
  const client = google.client();
  const full = await client.driveSync.full(user);
  for await (const _ of full) {
  }
  assert.equal(full.cursor, '100');
  assert.deepEqual(
    google.requests.map((r) => r.path),
    ['/drive/v3/changes/startPageToken', '/drive/v3/files'],
  );

  const incremental = await client.driveSync.incremental(user, '100');
  const changes = [];
  for await (const change of incremental) changes.push(change);
  assert.deepEqual(
    changes.map((c) => [c.fileId, c.removed]),
    [
      ['f1', false],
      ['f2', true],
    ],
  );
  assert.equal(incremental.cursor, '102');
  const changeCalls = google.calls('GET', '/drive/v3/changes');
  assert.equal(changeCalls[0]?.query.get('includeRemoved'), 'true');
  assert.equal(changeCalls[0]?.query.get('supportsAllDrives'), 'true');
});

test('a changes listing whose last page lacks newStartPageToken is a clear error, not a lost cursor', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('GET', '/drive/v3/changes', (_req, res) => sendJson(res, 200, { changes: [] }));
  const run = await google.client().driveSync.incremental(user, '5', { driveId: 'd1' });
  await assert.rejects(
    async () => {
      for await (const _ of run) {
      }
    },
    (error: unknown) => error instanceof GoogleResponseShapeError && /newStartPageToken/.test(error.message),
  );
  assert.equal(google.requests[0]?.query.get('driveId'), 'd1');
});

test('download streams alt=media content; export falls back to exportLinks above the 10 MB limit', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('GET', '/drive/v3/files/f1', (req, res) => {
    assert.equal(req.query.get('alt'), 'media');
    res.writeHead(200, { 'content-type': 'application/pdf' });
    res.end('%PDF-1.7 content');
  });
  google.route('GET', '/drive/v3/files/doc1/export', (_req, res) =>
    sendGoogleError(res, 403, 'exportSizeLimitExceeded', 'This file is too large to be exported.'),
  );
  google.route('GET', '/drive/v3/files/doc1', (_req, res) =>
    sendJson(res, 200, { id: 'doc1', exportLinks: { 'application/pdf': `${google.url}/export-links/doc1.pdf` } }),
  );
  google.route('GET', '/export-links/doc1.pdf', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/pdf' });
    res.end('big export');
  });
  const client = google.client();
  const download = await client.drive.download(user, 'f1');
  assert.equal(download.contentType, 'application/pdf');
  assert.equal(await text(download.body), '%PDF-1.7 content');
  const exported = await client.drive.export(user, 'doc1', 'application/pdf');
  assert.equal(await text(exported.body), 'big export');
  assert.equal(google.calls('GET', '/export-links/doc1.pdf')[0]?.user, user);
  assert.equal(client.quotas.inFlight('drive', user), 0, 'slots are freed when streams end');
});

test('shared drives are listed with domain admin access; permissions are listed and created without notification email', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('GET', '/drive/v3/drives', (_req, res) => sendJson(res, 200, { drives: [{ id: 'd1', name: 'Team' }] }));
  google.route('GET', '/drive/v3/files/f1/permissions', (_req, res) =>
    sendJson(res, 200, { permissions: [{ id: 'p1', type: 'user', role: 'writer', emailAddress: 'bob@example.com' }] }),
  );
  google.route('POST', '/drive/v3/files/f1/permissions', (req, res) =>
    sendJson(res, 200, { id: 'p2', ...JSON.parse(req.body.toString()) }),
  );
  const client = google.client();
  const drives = [];
  for await (const drive of client.drive.listDrives('admin@example.com', { useDomainAdminAccess: true }))
    drives.push(drive);
  assert.equal(drives[0]?.name, 'Team');
  assert.equal(google.requests[0]?.query.get('useDomainAdminAccess'), 'true');
  const permissions = [];
  for await (const permission of client.drive.listPermissions(user, 'f1')) permissions.push(permission);
  assert.equal(permissions[0]?.emailAddress, 'bob@example.com');
  await client.drive.createPermission(user, 'f1', { type: 'user', role: 'reader', emailAddress: 'carl@example.com' });
  assert.equal(google.calls('POST', '/drive/v3/files/f1/permissions')[0]?.query.get('sendNotificationEmail'), 'false');
});

test('files.create: metadata only for folders, multipart with appProperties for small content', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('POST', '/drive/v3/files', (req, res) =>
    sendJson(res, 200, { id: 'folder1', ...JSON.parse(req.body.toString()) }),
  );
  google.route('POST', '/upload/drive/v3/files', (_req, res) => sendJson(res, 200, { id: 'file1', name: 'a.txt' }));
  const client = google.client();
  const folder = await client.drive.createFile(user, {
    name: 'Restored',
    mimeType: 'application/vnd.google-apps.folder',
  });
  assert.equal(folder.id, 'folder1');
  const file = await client.drive.createFile(
    user,
    { name: 'a.txt', parents: ['folder1'], appProperties: { safeholdRestore: 'r1' } },
    { body: Buffer.from('hello'), mimeType: 'text/plain' },
  );
  assert.equal(file.id, 'file1');
  const upload = google.calls('POST', '/upload/drive/v3/files')[0];
  assert.equal(upload?.query.get('uploadType'), 'multipart');
  assert.ok(upload?.body.toString().includes('"appProperties":{"safeholdRestore":"r1"}'));
});

test('a resumable upload resumes after a dropped connection from the Range the session reports', async (t) => {
  const google = await startScriptedGoogle(t);
  const content = Buffer.alloc(700 * KiB);
  for (let i = 0; i < content.length; i++) content[i] = (i * 31) % 251;
  let stored = Buffer.alloc(0);
  let dropped = false;
  const ranges: string[] = [];
  google.route('POST', '/upload/drive/v3/files', (req, res) => {
    assert.equal(req.query.get('uploadType'), 'resumable');
    assert.equal(req.headers['x-upload-content-length'], String(content.length));
    res.writeHead(200, { location: `${google.url}/upload/drive/v3/files?uploadType=resumable&upload_id=s1` });
    res.end();
  });
  google.route('PUT', '/upload/drive/v3/files', (req, res) => {
    const range = String(req.headers['content-range']);
    ranges.push(range);
    const status = /^bytes \*\/(\d+)$/.exec(range);
    if (!status) {
      const [, start, end, total] = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(range) ?? [];
      assert.equal(Number(start), stored.length, 'chunks continue where the session stands');
      assert.equal(Number(total), content.length);
      assert.equal(req.body.length, Number(end) - Number(start) + 1);
      if (!dropped && stored.length > 0) {
        // The second chunk: Google keeps the first 128 KiB of it, then the connection drops.
        dropped = true;
        stored = Buffer.concat([stored, req.body.subarray(0, 128 * KiB)]);
        res.socket?.destroy();
        return;
      }
      stored = Buffer.concat([stored, req.body]);
    }
    if (stored.length === content.length)
      return sendJson(res, 200, { id: 'big', name: 'big.bin', size: String(stored.length) });
    res.writeHead(308, stored.length > 0 ? { range: `bytes=0-${stored.length - 1}` } : {});
    res.end();
  });
  const client = google.client();
  const file = await client.drive.createFile(
    user,
    { name: 'big.bin' },
    {
      body: { size: content.length, read: async (start, end) => content.subarray(start, end) },
      mimeType: 'application/octet-stream',
      chunkSize: 256 * KiB,
      multipartMaxBytes: 64 * KiB,
    },
  );
  assert.equal(file.id, 'big');
  assert.deepEqual(stored, content);
  assert.deepEqual(ranges, [
    `bytes 0-262143/${700 * KiB}`,
    `bytes 262144-524287/${700 * KiB}`,
    `bytes */${700 * KiB}`,
    `bytes 393216-655359/${700 * KiB}`,
    `bytes 655360-716799/${700 * KiB}`,
  ]);
  assert.deepEqual(client.clock.sleeps, [500]);
});

test('a chunk size that is not a multiple of 256 KiB is refused before anything is sent', async (t) => {
  const google = await startScriptedGoogle(t);
  await assert.rejects(
    google
      .client()
      .drive.createFile(
        user,
        { name: 'x' },
        { body: Buffer.alloc(10), mimeType: 'a/b', chunkSize: 1000, multipartMaxBytes: 1 },
      ),
    RangeError,
  );
  assert.equal(google.requests.length, 0);
});

test('an expired upload session (404) is raised for the caller to start again', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('POST', '/upload/drive/v3/files', (_req, res) => {
    res.writeHead(200, { location: `${google.url}/upload/drive/v3/files?upload_id=s2` });
    res.end();
  });
  google.route('PUT', '/upload/drive/v3/files', (_req, res) =>
    sendGoogleError(res, 404, 'notFound', 'Upload session expired'),
  );
  await assert.rejects(
    google
      .client()
      .drive.createFile(user, { name: 'x' }, { body: Buffer.alloc(300 * KiB), mimeType: 'a/b', multipartMaxBytes: 1 }),
    (error: unknown) => error instanceof GoogleApiError && error.status === 404 && error.classification === 'permanent',
  );
  assert.equal(google.calls('PUT', '/upload/drive/v3/files').length, 1);
});

test('a shared drive is listed as its organizer, found through permissions with domain admin access', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('GET', '/drive/v3/files/d1/permissions', (_req, res) =>
    sendJson(res, 200, {
      permissions: [
        { id: 'p0', type: 'group', role: 'organizer', emailAddress: 'team@example.com' },
        { id: 'p1', type: 'user', role: 'writer', emailAddress: 'bob@example.com' },
        { id: 'p2', type: 'user', role: 'organizer', emailAddress: 'carl@example.com' },
      ],
    }),
  );
  const member = await google.client().drive.findSharedDriveMember('admin@example.com', 'd1');
  assert.equal(member, 'carl@example.com');
  assert.equal(google.requests[0]?.query.get('useDomainAdminAccess'), 'true');
  assert.equal(google.requests[0]?.user, 'admin@example.com');
});

test('export links that redirect are followed', async (t) => {
  const google = await startScriptedGoogle(t);
  google.route('GET', '/drive/v3/files/doc2/export', (_req, res) =>
    sendGoogleError(res, 403, 'exportSizeLimitExceeded', 'too large'),
  );
  google.route('GET', '/drive/v3/files/doc2', (_req, res) =>
    sendJson(res, 200, { id: 'doc2', exportLinks: { 'application/pdf': `${google.url}/feeds/download/doc2` } }),
  );
  google.route('GET', '/feeds/download/doc2', (_req, res) => {
    res.writeHead(302, { location: `${google.url}/content/doc2.pdf` });
    res.end();
  });
  google.route('GET', '/content/doc2.pdf', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/pdf' });
    res.end('redirected export');
  });
  const exported = await google.client().drive.export(user, 'doc2', 'application/pdf');
  assert.equal(await text(exported.body), 'redirected export');
});

test('a download cut off mid-body resumes with a Range request and delivers every byte once', async (t) => {
  const google = await startScriptedGoogle(t);
  const content = Buffer.alloc(1024 * KiB);
  for (let i = 0; i < content.length; i++) content[i] = (i * 7) % 253;
  google.route('GET', '/drive/v3/files/f9', (req, res) => {
    const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
    if (!range) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(content.length) });
      res.write(content.subarray(0, 300 * KiB), () => res.socket?.destroy());
      return;
    }
    const start = Number(range[1]);
    res.writeHead(206, {
      'content-type': 'application/octet-stream',
      'content-length': String(content.length - start),
      'content-range': `bytes ${start}-${content.length - 1}/${content.length}`,
    });
    res.end(content.subarray(start));
  });
  const client = google.client();
  const download = await client.drive.download(user, 'f9');
  const chunks: Buffer[] = [];
  for await (const chunk of download.body) chunks.push(chunk as Buffer);
  assert.deepEqual(Buffer.concat(chunks), content);
  const calls = google.calls('GET', '/drive/v3/files/f9');
  assert.equal(calls.length, 2);
  assert.match(String(calls[1]?.headers.range), /^bytes=\d+-$/);
  assert.deepEqual(client.clock.sleeps, [500]);
  assert.equal(client.quotas.inFlight('drive', user), 0);
});

test('an export cut off mid-body is asked for again whole; one above 10 MB resumes from its link', async (t) => {
  const google = await startScriptedGoogle(t);
  const content = Buffer.alloc(512 * KiB, 'x');
  /** Answers `content`, cutting the first answer off after 100 KiB (a ranged request gets the rest). */
  const cutOnce = (): RouteHandler => {
    let answered = 0;
    return (req, res) => {
      answered += 1;
      const range = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
      const start = range ? Number(range[1]) : 0;
      res.writeHead(range ? 206 : 200, {
        'content-type': 'application/pdf',
        'content-length': String(content.length - start),
        ...(range ? { 'content-range': `bytes ${start}-${content.length - 1}/${content.length}` } : {}),
      });
      if (answered === 1) res.write(content.subarray(0, 100 * KiB), () => res.socket?.destroy());
      else res.end(content.subarray(start));
    };
  };
  google.route('GET', '/drive/v3/files/doc3/export', cutOnce());
  google.route('GET', '/drive/v3/files/doc4/export', (_req, res) =>
    sendGoogleError(res, 403, 'exportSizeLimitExceeded', 'This file is too large to be exported.'),
  );
  google.route('GET', '/drive/v3/files/doc4', (_req, res) =>
    sendJson(res, 200, { id: 'doc4', exportLinks: { 'application/pdf': `${google.url}/export-links/doc4.pdf` } }),
  );
  google.route('GET', '/export-links/doc4.pdf', cutOnce());
  const client = google.client();
  const small = await client.drive.export(user, 'doc3', 'application/pdf');
  assert.deepEqual(Buffer.concat(await small.body.toArray()), content);
  assert.equal(google.calls('GET', '/drive/v3/files/doc3/export').length, 2, 'the whole export again');
  const large = await client.drive.export(user, 'doc4', 'application/pdf');
  assert.deepEqual(Buffer.concat(await large.body.toArray()), content);
  const linkCalls = google.calls('GET', '/export-links/doc4.pdf');
  assert.equal(linkCalls.length, 2);
  assert.equal(linkCalls[1]?.headers.range, `bytes=${100 * KiB}-`, 'resumed from the last byte received');
  assert.equal(client.quotas.inFlight('drive', user), 0);
});

test('Drive query values are quoted with backslashes and quotes escaped', () => {
  assert.equal(driveQueryValue("Ann's \\ notes"), "'Ann\\'s \\\\ notes'");
  assert.equal(appPropertyQuery('safeholdRestore', 'r1'), "appProperties has { key='safeholdRestore' and value='r1' }");
});
