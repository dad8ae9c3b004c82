import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { versionsOf } from '../../testing/backup.ts';
import { type BrowseFixture, browseFixture } from '../../testing/browse-fixture.ts';
import type { Browser } from '../../testing/browser.ts';
import { forEachDatabase } from '../../testing/context.ts';
import type { ItemVersion } from '../backup/index.ts';
import { messageSummary } from './browse.ts';

const FOLDER = 'application/vnd.google-apps.folder';

forEachDatabase('browse as of a backup point', (kind) => {
  let f: BrowseFixture;
  let owner: Browser;
  const sources: Record<string, string> = {};
  const points: Date[] = [];
  let deletedMessageId = '';
  let folderId = '';
  let deletedFileId = '';
  let attachedMessageId = '';
  const user = () => f.users[0]?.email as string;
  const base = () => `/api/customers/${f.customerId}/browse`;

  before(async () => {
    f = await browseFixture(kind, {
      users: 2,
      generate: { messagesPerUser: 10, filesPerUser: 6, eventsPerUser: 5, contactsPerUser: 5 },
    });
    const all = ['gmail', 'drive', 'calendar', 'contacts'] as const;
    deletedMessageId = f.emulator.control.addMessage({
      email: user(),
      subject: 'Deleted three points ago',
      body: 'gone',
      labelIds: ['INBOX'],
    }).id;
    attachedMessageId = f.emulator.control.addMessage({
      email: user(),
      raw:
        'From: a@external.example\r\nSubject: The figures\r\nContent-Type: multipart/mixed; boundary="m"\r\n\r\n' +
        '--m\r\nContent-Type: text/plain\r\n\r\nAttached.\r\n--m\r\nContent-Type: text/csv; name="figures.csv"\r\n' +
        'Content-Disposition: attachment; filename="figures.csv"\r\n\r\na,b\r\n1,2\r\n--m--\r\n',
      labelIds: ['INBOX'],
    }).id;
    folderId = f.emulator.control.createFile({ email: user(), name: 'Projects', mimeType: FOLDER }).id;
    deletedFileId = f.emulator.control.createFile({
      email: user(),
      name: 'plan.txt',
      mimeType: 'text/plain',
      content: 'the plan',
      parentId: folderId,
    }).id;
    f.emulator.control.createFile({
      email: user(),
      name: 'notes.txt',
      mimeType: 'text/plain',
      content: 'notes',
      parentId: folderId,
    });
    points.push((await f.backUp(user(), [...all]))[0]?.finishedAt as Date);
    f.emulator.control.deleteMessage({ email: user(), id: deletedMessageId });
    f.emulator.control.deleteFile({ email: user(), id: deletedFileId });
    for (let i = 0; i < 3; i++) points.push((await f.backUp(user(), [...all]))[0]?.finishedAt as Date);
    owner = await f.as('owner');
    const listed = await owner.get(`${base()}/sources?user=${encodeURIComponent(user())}`);
    assert.equal(listed.statusCode, 200, listed.body);
    for (const source of listed.json().sources) sources[source.service] = source.id;
  });
  after(async () => {
    await f?.close();
  });

  it("lists a user's sources, one per service, and each source's backup points newest first", async () => {
    assert.deepEqual(Object.keys(sources).sort(), ['calendar', 'contacts', 'drive', 'gmail']);
    const response = await owner.get(`${base()}/sources/${sources.gmail}/points`);
    assert.equal(response.statusCode, 200, response.body);
    const listed = response.json().points.map((point: { at: string }) => point.at);
    assert.deepEqual(
      listed,
      [...points].reverse().map((point) => point.toISOString()),
    );
    // Paging through every source of the tenant, two at a time, sees each source once.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await owner.get(`${base()}/sources?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.statusCode, 200, page.body);
      seen.push(...page.json().sources.map((source: { id: string }) => source.id));
      cursor = page.json().nextCursor;
    } while (cursor);
    assert.equal(new Set(seen).size, seen.length);
    assert.ok(Object.values(sources).every((id) => seen.includes(id)));
  });

  it('counts the messages of every Gmail label as of the latest point and pages through a label by message id', async () => {
    const current = await versionsOf(f, user(), 'gmail');
    const expected = new Map<string, number>();
    for (const version of current)
      for (const id of version.metadata.labelIds as string[]) expected.set(id, (expected.get(id) ?? 0) + 1);
    const response = await owner.get(`${base()}/sources/${sources.gmail}/gmail/labels`);
    assert.equal(response.statusCode, 200, response.body);
    const labels: Array<{ id: string; name: string; messages: number }> = response.json().labels;
    assert.deepEqual(
      new Map(labels.map((label) => [label.id, label.messages])),
      expected,
      'one entry per label id with its message count',
    );
    assert.equal(response.json().point.at, points.at(-1)?.toISOString());
    const inbox: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await owner.get(
        `${base()}/sources/${sources.gmail}/gmail/messages?label=INBOX&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      assert.equal(page.statusCode, 200, page.body);
      const messages = page.json().messages;
      assert.ok(messages.length <= 3);
      for (const message of messages) {
        assert.ok(message.labelIds.includes('INBOX'));
        assert.equal(typeof message.from, 'string');
        assert.ok(message.size > 0);
      }
      inbox.push(...messages.map((message: { itemKey: string }) => message.itemKey));
      cursor = page.json().nextCursor;
    } while (cursor);
    assert.equal(inbox.length, expected.get('INBOX'));
    assert.deepEqual(inbox, [...inbox].sort(), 'pages follow the message id order without overlap');
    assert.equal(new Set(inbox).size, inbox.length);
  });

  it('marks the message with an attachment, and no other listed message without one', async () => {
    const response = await owner.get(
      `${base()}/sources/${sources.gmail}/gmail/messages?label=INBOX&limit=1000&at=${points[0]?.toISOString()}`,
    );
    assert.equal(response.statusCode, 200, response.body);
    const messages: Array<{ itemKey: string; hasAttachments?: boolean }> = response.json().messages;
    const byKey = new Map(messages.map((message) => [message.itemKey, message.hasAttachments]));
    assert.equal(byKey.get(attachedMessageId), true);
    assert.equal(byKey.get(deletedMessageId), false, 'a text/plain message has none');
    assert.ok(
      messages.every((message) => typeof message.hasAttachments === 'boolean'),
      'recorded for every message backed up now',
    );
    const search = await owner.get(`/api/customers/${f.customerId}/search?q=${encodeURIComponent('subject:figures')}`);
    assert.equal(search.statusCode, 200, search.body);
    assert.deepEqual(
      search
        .json()
        .items.map((hit: { itemKey: string; hasAttachments?: boolean }) => [hit.itemKey, hit.hasAttachments]),
      [[attachedMessageId, true]],
    );
  });

  it('lists exactly the messages carrying a label id for each label, and none for an unknown id or a prefix of one', async () => {
    const current = await versionsOf(f, user(), 'gmail');
    const labelIds = new Set(current.flatMap((version) => version.metadata.labelIds as string[]));
    const listed = async (label: string) => {
      const response = await owner.get(
        `${base()}/sources/${sources.gmail}/gmail/messages?label=${encodeURIComponent(label)}&limit=1000`,
      );
      assert.equal(response.statusCode, 200, response.body);
      return (response.json().messages as Array<{ itemKey: string }>).map((message) => message.itemKey);
    };
    assert.ok(labelIds.size > 1, 'the fixture has several labels');
    for (const label of labelIds) {
      const expected = current
        .filter((version) => (version.metadata.labelIds as string[]).includes(label))
        .map((version) => version.itemKey)
        .sort();
      assert.deepEqual(await listed(label), expected, `messages of ${label}`);
    }
    assert.deepEqual(await listed('Label_none'), []);
    assert.deepEqual(await listed('INBO'), [], 'a label id matches whole ids only');
  });

  it('lists a message deleted three backup points ago as of the point before its deletion, with its history', async () => {
    const messagesAt = async (at: Date) => {
      const response = await owner.get(
        `${base()}/sources/${sources.gmail}/gmail/messages?label=INBOX&limit=1000&at=${at.toISOString()}`,
      );
      assert.equal(response.statusCode, 200, response.body);
      return response.json().messages as Array<{ itemKey: string; subject: string }>;
    };
    const old = (await messagesAt(points[0] as Date)).find((message) => message.itemKey === deletedMessageId);
    assert.equal(old?.subject, 'Deleted three points ago');
    for (const point of points.slice(1)) {
      assert.ok(!(await messagesAt(point)).some((message) => message.itemKey === deletedMessageId));
    }
    const latest = await owner.get(`${base()}/sources/${sources.gmail}/item?key=${deletedMessageId}`);
    assert.equal(latest.statusCode, 200, latest.body);
    assert.equal(latest.json().asOf, null, 'not there at the latest point');
    const [only] = latest.json().versions;
    assert.equal(latest.json().versions.length, 1);
    assert.ok(only.validTo, 'the version was closed');
    assert.ok(new Date(only.validTo) > (points[0] as Date) && new Date(only.validTo) <= (points[1] as Date));
    const then = await owner.get(
      `${base()}/sources/${sources.gmail}/item?key=${deletedMessageId}&at=${points[0]?.toISOString()}`,
    );
    assert.equal(then.json().asOf.version, 1);
    assert.equal(then.json().asOf.metadata.subject, 'Deleted three points ago');
  });

  it('walks the Drive folder tree as of a point: top level folders first, a folder with its path, a deleted file back in time', async () => {
    const top = await owner.get(`${base()}/sources/${sources.drive}/drive/children`);
    assert.equal(top.statusCode, 200, top.body);
    const entries: Array<{ itemKey: string; isFolder: boolean; name: string }> = top.json().entries;
    const projects = entries.find((entry) => entry.itemKey === folderId);
    assert.ok(projects?.isFolder);
    const firstFile = entries.findIndex((entry) => !entry.isFolder);
    assert.ok(entries.slice(firstFile === -1 ? entries.length : firstFile).every((entry) => !entry.isFolder));
    // Paged two at a time, the top level comes out the same.
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await owner.get(
        `${base()}/sources/${sources.drive}/drive/children?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      paged.push(...page.json().entries.map((entry: { itemKey: string }) => entry.itemKey));
      cursor = page.json().nextCursor;
    } while (cursor);
    assert.deepEqual(
      paged,
      entries.map((entry) => entry.itemKey),
    );
    const inFolder = async (at?: Date) => {
      const response = await owner.get(
        `${base()}/sources/${sources.drive}/drive/children?folder=${folderId}${at ? `&at=${at.toISOString()}` : ''}`,
      );
      assert.equal(response.statusCode, 200, response.body);
      return response.json();
    };
    const now = await inFolder();
    assert.deepEqual(now.folder, { itemKey: folderId, name: 'Projects', path: '/Projects', ancestors: [] });
    assert.deepEqual(
      now.entries.map((entry: { name: string; path: string; owner: string | null }) => [
        entry.name,
        entry.path,
        entry.owner,
      ]),
      [['notes.txt', '/Projects', user()]],
      'each entry with its owner',
    );
    const then = await inFolder(points[0]);
    assert.deepEqual(
      then.entries.map((entry: { name: string }) => entry.name),
      ['notes.txt', 'plan.txt'],
    );
    const file = await owner.get(`${base()}/sources/${sources.drive}/drive/children?folder=${deletedFileId}`);
    assert.equal(file.statusCode, 404, 'a file (and a deleted one) is not a folder to open');
  });

  it('lists calendars with their event counts and pages through the events and the contacts', async () => {
    const events = await versionsOf(f, user(), 'calendar');
    const response = await owner.get(`${base()}/sources/${sources.calendar}/calendar/calendars`);
    assert.equal(response.statusCode, 200, response.body);
    const calendars: Array<{ calendarId: string; events: number }> = response.json().calendars;
    assert.equal(
      calendars.reduce((sum, calendar) => sum + calendar.events, 0),
      events.length,
    );
    const calendar = calendars[0];
    assert.ok(calendar);
    const listed: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await owner.get(
        `${base()}/sources/${sources.calendar}/calendar/events?calendar=${encodeURIComponent(calendar.calendarId)}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      assert.equal(page.statusCode, 200, page.body);
      for (const event of page.json().events) assert.equal(event.calendarId, calendar.calendarId);
      listed.push(...page.json().events.map((event: { itemKey: string }) => event.itemKey));
      cursor = page.json().nextCursor;
    } while (cursor);
    assert.equal(listed.length, calendar.events);
    const shown = await owner.get(
      `${base()}/sources/${sources.calendar}/calendar/events?calendar=${encodeURIComponent(calendar.calendarId)}&limit=1000`,
    );
    for (const event of shown.json().events as Array<{ start: string; end: string; allDay: boolean }>) {
      // An all-day event has dates; a timed one RFC 3339 times; each ends after it starts.
      const format = event.allDay ? /^\d{4}-\d{2}-\d{2}$/ : /^\d{4}-\d{2}-\d{2}T/;
      assert.match(event.start, format);
      assert.match(event.end, format);
      assert.ok(new Date(event.end) > new Date(event.start), `${event.start} – ${event.end}`);
    }
    const people = await versionsOf(f, user(), 'contacts');
    const contacts = await owner.get(`${base()}/sources/${sources.contacts}/contacts?limit=1000`);
    assert.equal(contacts.statusCode, 200, contacts.body);
    assert.deepEqual(
      contacts.json().contacts.map((contact: { itemKey: string }) => contact.itemKey),
      people.map((person) => person.itemKey).sort(),
    );
    assert.ok(
      contacts.json().contacts.every((contact: { displayName: unknown }) => typeof contact.displayName === 'string'),
    );
    // Each contact's primary email and phone, as backed up.
    const expected = new Map(
      people.map((person) => [person.itemKey, [person.metadata.email ?? null, person.metadata.phone ?? null]]),
    );
    for (const contact of contacts.json().contacts as Array<{ itemKey: string; email: string; phone: string }>) {
      assert.deepEqual([contact.email, contact.phone], expected.get(contact.itemKey));
      assert.match(contact.email, /@/);
    }
    assert.ok(
      people.some((person) => typeof person.metadata.phone === 'string'),
      'the fixture has phone numbers',
    );
  });

  it('answers 404 before the first backup point, for the wrong service and for an unknown item', async () => {
    const early = new Date((points[0] as Date).getTime() - 3_600_000).toISOString();
    const before = await owner.get(`${base()}/sources/${sources.gmail}/gmail/labels?at=${early}`);
    assert.equal(before.statusCode, 404);
    assert.match(before.json().error.message, /no backup point at or before/);
    assert.equal((await owner.get(`${base()}/sources/${sources.drive}/gmail/labels`)).statusCode, 404);
    assert.equal((await owner.get(`${base()}/sources/${sources.gmail}/item?key=nope`)).statusCode, 404);
    const bad = await owner.get(`${base()}/sources/${sources.gmail}/gmail/messages?cursor=garbage`);
    assert.equal(bad.statusCode, 400);
  });

  it('tenant A cannot browse tenant B: another partner, a foreign source id and a foreign tenant id all answer 404', async () => {
    const stranger = await f.as('stranger');
    assert.equal((await stranger.get(`${base()}/sources`)).statusCode, 404);
    assert.equal((await stranger.get(`${base()}/sources/${sources.gmail}/gmail/labels`)).statusCode, 404);
    assert.equal(
      (await stranger.get(`${base()}/sources/${sources.gmail}/item?key=${deletedMessageId}`)).statusCode,
      404,
    );
    // The tenant's own partner, with tenant B's source id under its own tenant, or tenant B's id.
    assert.equal((await owner.get(`${base()}/sources/${f.other.sourceId}/gmail/labels`)).statusCode, 404);
    assert.equal((await owner.get(`${base()}/sources/${f.other.sourceId}/points`)).statusCode, 404);
    assert.equal(
      (await owner.get(`/api/customers/${f.other.customerId}/browse/sources/${f.other.sourceId}/gmail/messages`))
        .statusCode,
      404,
    );
    // Tenant B's own partner does see tenant B.
    assert.equal(
      (await stranger.get(`/api/customers/${f.other.customerId}/browse/sources/${f.other.sourceId}/gmail/labels`))
        .statusCode,
      200,
    );
    // A read-only partner user sees the tenant but may not browse its data.
    const viewer = await f.as('readOnly');
    assert.equal((await viewer.get(`${base()}/sources`)).statusCode, 403);
  });
});

it('a message backed up before attachments were recorded has no mark, rather than "none"', () => {
  const version = {
    itemKey: 'm1',
    version: 1,
    size: 10,
    metadata: { subject: 'Old', labelIds: ['INBOX'] },
  } as unknown as ItemVersion;
  assert.equal('hasAttachments' in messageSummary(version), false);
  assert.equal(messageSummary({ ...version, metadata: { hasAttachments: false } }).hasAttachments, false);
});
