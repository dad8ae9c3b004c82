// The per-user page's rows as selectable items (titles never empty), and the download address
// of one backed-up version.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { downloadUrl } from './browse.ts';
import {
  calendarChoices,
  contactItem,
  eventItem,
  hitItem,
  pointsOfVersion,
  runHasDetails,
  runInProgress,
  type SearchHit,
  titleOf,
} from './search.ts';

const source = '7b1c3e0a-1111-4222-8333-944455556666';

test('a download names the source, the item and the version, the item key encoded', () => {
  const url = downloadUrl('c1', { sourceId: source, itemKey: 'primary/ev 1&x=2', version: 3 });
  const parsed = new URL(url, 'http://localhost');
  assert.equal(parsed.pathname, '/api/customers/c1/items/download');
  assert.deepEqual(Object.fromEntries(parsed.searchParams), {
    source,
    item: 'primary/ev 1&x=2',
    version: '3',
  });
});

test('a row without a subject, name or title says so instead of showing nothing', () => {
  assert.equal(titleOf('gmail', null), '(no subject)');
  assert.equal(titleOf('drive', '  '), '(no name)');
  assert.equal(titleOf('calendar', undefined), '(no title)');
  assert.equal(titleOf('contacts', ''), '(no name)');
  assert.equal(titleOf('gmail', 'Budget'), 'Budget');
});

test('search hits, events and contacts become the selectable items of the contract', () => {
  const hit: SearchHit = {
    sourceId: source,
    service: 'drive',
    user: 'ann@example.com',
    subjectKind: 'user',
    subjectId: 'u1',
    itemKey: 'file-1',
    version: 2,
    current: true,
    title: 'Plan.pdf',
    from: null,
    to: null,
    labels: [],
    mimeType: 'application/pdf',
    path: '/Projects/Plan.pdf',
    size: 10,
    itemTime: '2026-12-01T10:00:00.000Z',
    validFrom: '2026-12-01T10:00:00.000Z',
    validTo: null,
  };
  assert.deepEqual(hitItem(hit), {
    service: 'drive',
    sourceId: source,
    itemKey: 'file-1',
    version: 2,
    title: 'Plan.pdf',
  });
  assert.deepEqual(
    eventItem(source, {
      itemKey: 'primary/e1',
      version: 1,
      calendarId: 'primary',
      summary: null,
      iCalUID: 'e1@x',
      recurringEventId: null,
      updated: null,
      start: null,
      end: null,
      allDay: false,
    }),
    { service: 'calendar', sourceId: source, itemKey: 'primary/e1', version: 1, title: '(no title)' },
  );
  assert.deepEqual(
    contactItem(source, { itemKey: 'people/c1', version: 4, displayName: 'Bea Lopez', email: null, phone: null }),
    {
      service: 'contacts',
      sourceId: source,
      itemKey: 'people/c1',
      version: 4,
      title: 'Bea Lopez',
    },
  );
});

test('a version appears in the backup points from its first backup until it was replaced', () => {
  const points = [
    { runId: 'r4', status: 'success' as const, at: '2026-12-04T10:00:00.000Z' },
    { runId: 'r3', status: 'partial' as const, at: '2026-12-03T10:00:00.000Z' },
    { runId: 'r2', status: 'success' as const, at: '2026-12-02T10:00:00.000Z' },
    { runId: 'r1', status: 'success' as const, at: '2026-12-01T10:00:00.000Z' },
  ];
  const ids = (validFrom: string, validTo: string | null) =>
    pointsOfVersion({ validFrom, validTo }, points).map((point) => point.runId);
  assert.deepEqual(ids('2026-12-01T10:00:00.000Z', '2026-12-03T10:00:00.000Z'), ['r2', 'r1'], 'replaced at r3');
  assert.deepEqual(ids('2026-12-03T09:59:00.000Z', null), ['r4', 'r3'], 'still current');
  assert.deepEqual(ids('2026-12-02T11:00:00.000Z', '2026-12-02T12:00:00.000Z'), [], 'between two points');
});

test('a run has details to open when items were skipped or failed, or the run failed as a whole', () => {
  const run = {
    id: 'r1',
    sourceId: 's1',
    subjectEmail: 'ann@example.com',
    service: 'gmail' as const,
    trigger: 'scheduled' as const,
    status: 'success' as const,
    mode: null,
    added: 1,
    changed: 0,
    deleted: 0,
    skipped: 0,
    failed: 0,
    items: 1,
    bytes: 10,
    error: null,
    queuedAt: '2026-12-04T10:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    errors: [],
  };
  assert.equal(runHasDetails(run), false);
  assert.equal(
    runHasDetails({ ...run, status: 'partial', errors: [{ item: 'm1', reason: 'too large', advice: 'try again' }] }),
    true,
  );
  assert.equal(runHasDetails({ ...run, status: 'failed', error: 'authorisation lost' }), true);
});

test("calendars are offered by their owner's email first, generated ids as numbered other calendars", () => {
  const events = (n: number) => `${n} events`;
  assert.deepEqual(
    calendarChoices(
      [
        { calendarId: '746573742f70@group.calendar.google.com', events: 3 },
        { calendarId: 'ann@example.com', events: 12 },
        { calendarId: 'en.french#holiday@group.v.calendar.google.com', events: 40 },
        { calendarId: 'primary', events: 1 },
      ],
      events,
    ),
    [
      { value: 'ann@example.com', label: 'ann@example.com (12 events)' },
      { value: 'primary', label: 'Primary calendar (1 events)' },
      { value: '746573742f70@group.calendar.google.com', label: 'Other calendar 1 (3 events)' },
      { value: 'en.french#holiday@group.v.calendar.google.com', label: 'Other calendar 2 (40 events)' },
    ],
  );
});

test('a queued or running run is in progress (the history follows it), a finished one is not', () => {
  assert.deepEqual(
    (['queued', 'running', 'success', 'partial', 'failed'] as const).map((status) => runInProgress({ status })),
    [true, true, false, false, false],
  );
});
