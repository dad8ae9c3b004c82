import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type RunningEmulator, startEmulator } from './index.ts';
import { accessToken, clientsFor } from './test-support/google-clients.ts';

const D = 'gen.test';
let emulator: RunningEmulator;
let users: string[];

before(async () => {
  emulator = await startEmulator({
    seed: 'generator',
    domain: D,
    users: 4,
    oidc: false,
    generate: {
      messagesPerUser: 60,
      filesPerUser: 30,
      eventsPerUser: 12,
      contactsPerUser: 8,
      sharedDrives: 2,
      largeMessageBytes: 12 * 1024 * 1024,
    },
  });
  users = emulator.control.listAccounts(D).map((a) => a.email);
});
after(() => emulator.stop());

async function rawMessages(email: string): Promise<string[]> {
  const c = clientsFor(emulator.url, emulator.serviceAccountKey, email);
  const { data } = await c.gmail.users.messages.list({ userId: 'me', maxResults: 500, includeSpamTrash: true });
  return Promise.all(
    (data.messages ?? []).map(async (m) =>
      Buffer.from(
        (await c.gmail.users.messages.get({ userId: 'me', id: m.id ?? '', format: 'raw' })).data.raw ?? '',
        'base64url',
      ).toString('utf8'),
    ),
  );
}

test('mailboxes mix plain, HTML alternative, inline image, attachment and non-ASCII messages, with threads', async () => {
  const bodies = await rawMessages(users[0] ?? '');
  assert.ok(
    bodies.some((b) => /multipart\/alternative/.test(b) && /text\/html/.test(b)),
    'html alternative',
  );
  assert.ok(
    bodies.some((b) => /multipart\/related/.test(b) && /Content-ID: </.test(b)),
    'inline image',
  );
  assert.ok(
    bodies.some((b) => /multipart\/mixed/.test(b) && /Content-Disposition: attachment/.test(b)),
    'attachment',
  );
  assert.ok(
    bodies.some((b) => /=\?UTF-8\?B\?/.test(b)),
    'RFC 2047 subject',
  );
  assert.ok(
    bodies.some((b) => [...b.split('\r\n\r\n').slice(1).join('')].some((ch) => (ch.codePointAt(0) ?? 0) > 127)),
    'non-ASCII body',
  );
  assert.ok(
    bodies.some((b) => /^In-Reply-To: </m.test(b)),
    'threaded reply',
  );
});

test('the shared attachment pool puts the same bytes in several mailboxes', async () => {
  const attachmentsOf = (bodies: string[]) =>
    new Set(
      bodies.flatMap((b) =>
        [...b.matchAll(/Content-Transfer-Encoding: base64 *\r\n\r\n([A-Za-z0-9+/=]{76})/g)].map((m) => m[1]),
      ),
    );
  const a = attachmentsOf(await rawMessages(users[2] ?? ''));
  const b = attachmentsOf(await rawMessages(users[3] ?? ''));
  assert.ok([...a].some((x) => b.has(x)));
});

test('a large message of tens of MB is served raw and can be imported back with a resumable upload', async () => {
  const email = users[1] ?? '';
  const c = clientsFor(emulator.url, emulator.serviceAccountKey, email);
  const [large] =
    (await c.gmail.users.messages.list({ userId: 'me', q: 'subject:"Large attachment"' })).data.messages ?? [];
  const message = await c.gmail.users.messages.get({ userId: 'me', id: large?.id ?? '', format: 'raw' });
  const raw = Buffer.from(message.data.raw ?? '', 'base64url');
  assert.ok(raw.length > 12 * 1024 * 1024);
  const token = await accessToken(emulator.url, emulator.serviceAccountKey, email);
  const open = await fetch(`${emulator.url}/upload/gmail/v1/users/me/messages/import?uploadType=resumable`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'x-upload-content-length': String(raw.length),
    },
    body: '{}',
  });
  const session = open.headers.get('location') ?? '';
  const chunk = 8 * 256 * 1024;
  let response: Response | undefined;
  for (let start = 0; start < raw.length; start += chunk) {
    const end = Math.min(start + chunk, raw.length);
    response = await fetch(session, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-range': `bytes ${start}-${end - 1}/${raw.length}` },
      body: raw.subarray(start, end),
    });
    assert.equal(response.status, end === raw.length ? 200 : 308);
  }
  const imported = (await response?.json()) as { id: string };
  const again = await c.gmail.users.messages.get({ userId: 'me', id: imported.id, format: 'minimal' });
  assert.equal(again.data.sizeEstimate, raw.length);
});

test('Drive trees have folders, binary files, Google files, shortcuts and sharing; shared drives have members', async () => {
  const c = clientsFor(emulator.url, emulator.serviceAccountKey, users[1] ?? '');
  const { data } = await c.drive.files.list({
    pageSize: 1000,
    fields: 'files(id,mimeType,shortcutDetails,permissions(emailAddress),ownedByMe)',
  });
  const types = new Set(data.files?.map((f) => f.mimeType));
  for (const type of [
    'application/vnd.google-apps.folder',
    'application/vnd.google-apps.document',
    'application/vnd.google-apps.spreadsheet',
  ])
    assert.ok(types.has(type), type);
  assert.ok(data.files?.some((f) => f.shortcutDetails?.targetId));
  assert.ok(data.files?.some((f) => (f.permissions?.length ?? 0) > 1));
  const admin = clientsFor(emulator.url, emulator.serviceAccountKey, users[0] ?? '');
  const drives = await admin.drive.drives.list({ useDomainAdminAccess: true });
  assert.equal(drives.data.drives?.length, 2);
  for (const drive of drives.data.drives ?? []) {
    const perms = await admin.drive.permissions.list({
      fileId: drive.id ?? '',
      supportsAllDrives: true,
      useDomainAdminAccess: true,
    });
    assert.ok(perms.data.permissions?.some((p) => p.role === 'organizer'));
  }
});

test('calendars have recurring events with exceptions; contacts sit in groups', async () => {
  const c = clientsFor(emulator.url, emulator.serviceAccountKey, users[0] ?? '');
  const events = (await c.calendar.events.list({ calendarId: 'primary', maxResults: 2500 })).data.items ?? [];
  const recurring = events.filter((e) => e.recurrence?.length);
  assert.ok(recurring.length > 0);
  assert.ok(
    events.some((e) => e.recurringEventId && recurring.some((r) => r.id === e.recurringEventId) && e.originalStartTime),
  );
  const contacts =
    (
      await c.people.people.connections.list({
        resourceName: 'people/me',
        personFields: 'names,memberships',
        pageSize: 1000,
      })
    ).data.connections ?? [];
  assert.equal(contacts.length, 8);
  const groups = (await c.people.contactGroups.list({})).data.contactGroups ?? [];
  assert.ok(groups.some((g) => g.groupType === 'USER_CONTACT_GROUP' && (g.memberCount ?? 0) > 0));
});

test("every user's events have their own iCalUIDs (only a recurring event's exceptions share their series')", async () => {
  const owner = new Map<string, string>();
  for (const email of users) {
    const c = clientsFor(emulator.url, emulator.serviceAccountKey, email);
    const calendars = (await c.calendar.calendarList.list({})).data.items ?? [];
    assert.ok(calendars.length >= 2, `${email} has a primary and a secondary calendar`);
    for (const calendar of calendars) {
      const events =
        (await c.calendar.events.list({ calendarId: calendar.id ?? '', maxResults: 2500 })).data.items ?? [];
      for (const event of events) {
        const uid = event.iCalUID ?? '';
        const seen = owner.get(uid);
        assert.ok(
          seen === undefined || seen === `${email} ${calendar.id}`,
          `${uid}: ${seen} and ${email} ${calendar.id}`,
        );
        owner.set(uid, `${email} ${calendar.id}`);
      }
    }
  }
  assert.ok(owner.size >= users.length * 12, 'every event of every user was looked at');
});
