import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type RunningEmulator, startEmulator } from './index.ts';
import { accessToken } from './test-support/google-clients.ts';

const D = 'bad.test';
let emulator: RunningEmulator;
let token: string;

before(async () => {
  emulator = await startEmulator({
    domain: D,
    users: 2,
    oidc: false,
    generate: { messagesPerUser: 3, filesPerUser: 3, eventsPerUser: 2, contactsPerUser: 2, sharedDrives: 1 },
  });
  emulator.control.grantDelegation({ domain: D, scopes: ['https://mail.google.com/'] });
  token = await accessToken(emulator.url, emulator.serviceAccountKey, `admin@${D}`, [
    'https://mail.google.com/',
    'https://www.googleapis.com/auth/drive',
    'https://www.googleapis.com/auth/calendar',
    'https://www.googleapis.com/auth/contacts',
    'https://www.googleapis.com/auth/contacts.other.readonly',
    'https://www.googleapis.com/auth/admin.directory.user.readonly',
    'https://www.googleapis.com/auth/admin.directory.orgunit.readonly',
  ]);
});
after(() => emulator.stop());

const ENDPOINTS: [string, string][] = [
  ['GET', '/gmail/v1/users/me/messages'],
  ['GET', '/gmail/v1/users/me/messages/x'],
  ['POST', '/gmail/v1/users/me/messages/x/modify'],
  ['GET', '/gmail/v1/users/me/history'],
  ['POST', '/gmail/v1/users/me/labels'],
  ['POST', '/gmail/v1/users/me/messages/import'],
  ['POST', '/upload/gmail/v1/users/me/messages/import'],
  ['PUT', '/upload/gmail/v1/users/me/messages/import'],
  ['POST', '/batch/gmail/v1'],
  ['GET', '/drive/v3/files'],
  ['GET', '/drive/v3/files/x'],
  ['GET', '/drive/v3/files/x/export'],
  ['POST', '/drive/v3/files'],
  ['POST', '/upload/drive/v3/files'],
  ['PUT', '/upload/drive/v3/files'],
  ['PATCH', '/drive/v3/files/x'],
  ['PATCH', '/upload/drive/v3/files/x'],
  ['DELETE', '/drive/v3/files/x'],
  ['GET', '/drive/v3/changes'],
  ['GET', '/drive/v3/drives'],
  ['GET', '/drive/v3/files/x/permissions'],
  ['POST', '/drive/v3/files/x/permissions'],
  ['GET', '/calendar/v3/calendars/primary/events'],
  ['POST', '/calendar/v3/calendars/primary/events'],
  ['POST', '/calendar/v3/calendars/primary/events/import'],
  ['GET', '/v1/people/me/connections'],
  ['POST', '/v1/people:createContact'],
  ['GET', '/v1/contactGroups'],
  ['POST', '/v1/contactGroups'],
  ['GET', '/admin/directory/v1/users'],
  ['GET', '/admin/directory/v1/users/x'],
  ['POST', '/token'],
  ['POST', '/_emulator/addMessage'],
  ['POST', '/_emulator/createFile'],
  ['POST', '/_emulator/digest'],
];

const QUERIES = [
  '',
  '?maxResults=-1&pageSize=abc&pageToken=%%%&startHistoryId=x&syncToken=garbage&q=(((',
  '?uploadType=multipart&upload_id=nope&fields=a((b',
  '?uploadType=resumable&mimeType=&personFields=nope&readMask=',
  '?alt=media&format=weird&corpora=nonsense&driveId=zzz',
];

const BODIES: [string, string][] = [
  [
    'application/json',
    '{"name": 5, "labelIds": "INBOX", "addLabelIds": [null], "start": "soon", "parents": {}, "contactGroup": 3, "iCalUID": [], "email": 7}',
  ],
  ['application/json', '{broken'],
  ['application/json', 'null'],
  ['application/json', '[1,2,3]'],
  ['multipart/related; boundary=xyz', '--xyz\r\n\r\n--xyz--'],
  ['multipart/mixed; boundary=b', '--b\r\nContent-Type: application/http\r\n\r\nNOT A REQUEST\r\n--b--'],
  [
    'application/x-www-form-urlencoded',
    'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=a.b.c',
  ],
  ['application/octet-stream', '\u0000\u0001\u0002'],
];

test('garbage parameters and bodies on every endpoint never produce a 5xx, and the server keeps serving', async () => {
  const failures: string[] = [];
  for (const [method, path] of ENDPOINTS) {
    for (const query of QUERIES) {
      const bodies = method === 'GET' || method === 'DELETE' ? [undefined] : BODIES;
      for (const body of bodies) {
        const headers: Record<string, string> = { authorization: `Bearer ${token}` };
        if (body) headers['content-type'] = body[0];
        if (method === 'PUT') headers['content-range'] = 'bytes 0-1/2';
        const response = await fetch(`${emulator.url}${path}${query}`, { method, headers, body: body?.[1] });
        const text = await response.text();
        if (response.status >= 500)
          failures.push(`${method} ${path}${query} ${body?.[0] ?? ''} → ${response.status} ${text.slice(0, 120)}`);
        if (response.status >= 400 && response.status !== 404 && !text.startsWith('{'))
          failures.push(`${method} ${path}${query} → ${response.status} non-JSON error`);
      }
    }
  }
  assert.deepEqual(failures, []);
  const healthy = await fetch(`${emulator.url}/gmail/v1/users/me/profile`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(healthy.status, 200);
});

test('malformed bearer tokens and authorization headers are 401 with Google error bodies', async () => {
  for (const authorization of ['Bearer', 'Bearer ', 'Basic Zm9vOmJhcg==', 'Bearer a b c', 'x'.repeat(5000)]) {
    const response = await fetch(`${emulator.url}/drive/v3/files`, { headers: { authorization } });
    assert.equal(response.status, 401, authorization.slice(0, 20));
    const body = (await response.json()) as { error: { code: number; status: string } };
    assert.equal(body.error.status, 'UNAUTHENTICATED');
  }
});
