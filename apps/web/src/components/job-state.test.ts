// What the console says about restores and exports: progress, the ending sentence, the merged list.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DataExport, RestoreSummary } from '../api/jobs.ts';
import { setDisplayLocale } from '../format.ts';
import {
  exportOutcome,
  exportProgress,
  exportRow,
  exportSubject,
  exportWhat,
  firstPage,
  type JobCursor,
  jobPath,
  mergeJobPage,
  percentDone,
  progressText,
  progressWords,
  restoreItemName,
  restoreOutcome,
  restoreProgress,
  restoreTarget,
  selectionSummary,
} from './job-state.ts';

before(() => setDisplayLocale('en-GB'));
after(() => setDisplayLocale(undefined));

function restore(id: string, createdAt: string, overrides: Partial<RestoreSummary> = {}): RestoreSummary {
  return {
    id,
    service: 'gmail',
    subjectKind: 'user',
    user: 'alice@example.test',
    subjectName: 'alice@example.test',
    to: 'alice@example.test',
    asOf: '2026-12-01T10:00:00.000Z',
    inPlace: false,
    containerName: 'Restored 1 Dec 2026',
    selection: {},
    status: 'success',
    total: 4,
    restored: 2,
    skipped: 1,
    failed: 1,
    error: null,
    notes: [],
    createdAt,
    startedAt: createdAt,
    finishedAt: createdAt,
    ...overrides,
  };
}

function dataExport(id: string, createdAt: string, overrides: Partial<DataExport> = {}): DataExport {
  return {
    id,
    user: 'bob@example.test',
    sharedDrive: null,
    services: ['gmail', 'drive'],
    selection: null,
    asOf: null,
    status: 'success',
    itemsDone: 12,
    itemsTotal: 12,
    bytesDone: 3000,
    zipBytes: 5 * 1024 * 1024,
    error: null,
    createdAt,
    startedAt: createdAt,
    finishedAt: createdAt,
    expiresAt: '2026-12-11T10:00:00.000Z',
    downloadUrl: `/api/customers/c/exports/${id}/download`,
    ...overrides,
  };
}

test('a restore has done an item once it is restored, skipped or failed; an export counts its written items', () => {
  assert.deepEqual(restoreProgress({ total: 10, restored: 3, skipped: 2, failed: 1 }), { done: 6, total: 10 });
  assert.deepEqual(exportProgress({ itemsDone: 7, itemsTotal: 9 }), { done: 7, total: 9 });
});

test('the bar fills in whole percent, never past either end, and is full for an ended job with nothing to do', () => {
  assert.equal(percentDone({ done: 1, total: 3 }, false), 33);
  assert.equal(percentDone({ done: 12, total: 10 }, false), 100);
  assert.equal(percentDone({ done: -1, total: 10 }, false), 0);
  assert.equal(percentDone({ done: 0, total: 0 }, false), 0);
  assert.equal(percentDone({ done: 0, total: 0 }, true), 100);
});

test('progress in words: items done of the total, and the bytes an export has written', () => {
  assert.equal(progressText({ done: 1200, total: 5000 }), '1,200 of 5,000 items');
  assert.equal(progressText({ done: 0, total: 1 }), '0 of 1 item');
  assert.equal(progressText({ done: 3, total: 9 }, 1536), '3 of 9 items · 1.5 KiB written');
});

test('a job that has not counted its items yet is preparing, not "0 of 0 items"', () => {
  assert.equal(progressWords({ done: 0, total: 0 }, false), 'Preparing…');
  assert.equal(progressWords({ done: 0, total: 0 }, true), '0 of 0 items');
  assert.equal(progressWords({ done: 2, total: 5 }, false, 10), '2 of 5 items · 10 B written');
});

test('a finished restore says "Restore finished" with its restored, skipped and failed counts', () => {
  const outcome = restoreOutcome(restore('r1', '2026-12-04T10:00:00.000Z', { status: 'partial' }));
  assert.deepEqual(outcome, {
    title: 'Restore finished',
    text: 'Restore finished: 2 restored, 1 skipped, 1 failed.',
    ok: false,
  });
  assert.equal(restoreOutcome(restore('r1', '2026-12-04T10:00:00.000Z'))?.ok, true);
});

test('a failed restore says why; a running one has no outcome yet', () => {
  const failed = restoreOutcome(
    restore('r1', 'x', { status: 'failed', error: 'Google refused access', restored: 0, skipped: 0, failed: 4 }),
  );
  assert.equal(failed?.title, 'Restore failed');
  assert.equal(failed?.text, 'Restore failed: Google refused access (0 restored, 0 skipped, 4 failed).');
  assert.equal(restoreOutcome(restore('r1', 'x', { status: 'running' })), null);
  assert.equal(restoreOutcome(restore('r1', 'x', { status: 'queued' })), null);
});

test('a built export says "Export ready" with its items, size and the day its zip is deleted', () => {
  assert.deepEqual(exportOutcome(dataExport('e1', 'x')), {
    title: 'Export ready',
    text: 'Export ready: 12 items, 5.0 MiB, kept until 11 Dec 2026.',
    ok: true,
  });
  assert.equal(exportOutcome(dataExport('e1', 'x', { status: 'running' })), null);
});

test('an export that failed or whose zip is gone says so and what to do', () => {
  assert.equal(
    exportOutcome(dataExport('e1', 'x', { status: 'failed', error: 'the disk is full', downloadUrl: null }))?.text,
    'Export failed: the disk is full. Start a new export to try again.',
  );
  const expired = exportOutcome(dataExport('e1', 'x', { status: 'expired', downloadUrl: null }));
  assert.equal(expired?.title, 'Export expired');
  assert.match(expired?.text ?? '', /^Export expired on 11 Dec 2026: its zip was deleted\./);
  // Past its expiry the server stops giving the URL before the sweep marks it expired.
  assert.equal(exportOutcome(dataExport('e1', 'x', { downloadUrl: null }))?.title, 'Export expired');
});

test('what a restore took, and where it went', () => {
  assert.equal(selectionSummary('gmail', {}), 'Mail: everything');
  assert.equal(selectionSummary('gmail', { label: 'Receipts' }), 'Mail: label “Receipts”');
  assert.equal(selectionSummary('drive', { folder: 'Projects/2026' }), 'Drive: folder “Projects/2026”');
  assert.equal(selectionSummary('calendar', { items: ['a', 'b'] }), 'Calendar: 2 selected items');
  assert.equal(selectionSummary('contacts', { query: 'name:Ada' }), 'Contacts: search “name:Ada”');
  assert.equal(restoreTarget({ user: 'a@x', subjectName: 'a@x', to: 'a@x' }), 'a@x');
  assert.equal(restoreTarget({ user: 'a@x', subjectName: 'a@x', to: 'b@x' }), 'a@x → b@x');
  // A shared drive by its name, not its id: into itself, or into a user's My Drive.
  assert.equal(restoreTarget({ user: '0AbcUk9PVA', subjectName: 'Marketing', to: '0AbcUk9PVA' }), 'Marketing');
  assert.equal(restoreTarget({ user: '0AbcUk9PVA', subjectName: 'Marketing', to: 'b@x' }), 'Marketing → b@x');
});

test('restores and exports merge newest first, and the next page continues each list where this one stopped', () => {
  const restores = [
    restore('r3', '2026-12-04T10:05:00.000Z'),
    restore('r2', '2026-12-04T10:03:00.000Z'),
    restore('r1', '2026-12-04T10:01:00.000Z'),
  ];
  const exports = [dataExport('e2', '2026-12-04T10:04:00.000Z'), dataExport('e1', '2026-12-04T10:02:00.000Z')];
  // Page size 2: each list was read size + 1 = 3 rows deep (exports has only 2).
  const first = mergeJobPage(firstPage, restores, exports, 2);
  assert.deepEqual(
    first.rows.map((row) => row.id),
    ['r3', 'e2'],
  );
  assert.deepEqual(first.next, { restores: 1, exports: 1 });

  // The server answers the next page from those offsets.
  const next = first.next as JobCursor;
  const second = mergeJobPage(next, restores.slice(next.restores), exports.slice(next.exports), 2);
  assert.deepEqual(
    second.rows.map((row) => row.id),
    ['r2', 'e1'],
  );
  const last = second.next as JobCursor;
  const third = mergeJobPage(last, restores.slice(last.restores), exports.slice(last.exports), 2);
  assert.deepEqual(
    third.rows.map((row) => row.id),
    ['r1'],
  );
  assert.equal(third.next, null);
});

test('jobs started in the same millisecond keep one order, and a tenant with no restores pages its exports alone', () => {
  const at = '2026-12-04T10:00:00.000Z';
  const page = mergeJobPage(firstPage, [restore('a', at)], [dataExport('b', at)], 5);
  assert.deepEqual(
    page.rows.map((row) => row.id),
    ['b', 'a'],
  );
  const exportsOnly = mergeJobPage(firstPage, [], [dataExport('e2', at), dataExport('e1', at)], 1);
  assert.deepEqual(exportsOnly.next, { restores: 0, exports: 1 });
});

test('each job has its own page', () => {
  assert.equal(jobPath('restore', 'r1'), '/customer/restores/r1');
  assert.equal(jobPath('export', 'e1'), '/customer/exports/e1');
});

test('a restore’s item is named by its title; its key only when it has no title', () => {
  assert.deepEqual(restoreItemName({ itemKey: '18c2f0a9e1b2c3d4', title: 'Quarterly figures' }), {
    text: 'Quarterly figures',
    isKey: false,
  });
  assert.deepEqual(restoreItemName({ itemKey: '18c2f0a9e1b2c3d4', title: '  Re: plans \n' }), {
    text: 'Re: plans',
    isKey: false,
  });
  for (const title of [null, '', '   ']) {
    assert.deepEqual(restoreItemName({ itemKey: 'people/c42', title }), { text: 'people/c42', isKey: true });
  }
});

test('an export says what it holds: its services, or its one service’s selection, of a user or a shared drive', () => {
  const whole = dataExport('e1', '2026-12-01T10:00:00.000Z');
  assert.equal(exportWhat(whole), 'Mail, Drive');
  assert.equal(exportSubject(whole), 'bob@example.test');
  const label = dataExport('e2', '2026-12-01T10:00:00.000Z', { services: ['gmail'], selection: { label: 'Work' } });
  assert.equal(exportWhat(label), 'Mail: label “Work”');
  assert.equal(exportRow(label).what, 'Mail: label “Work”');
  const drive = dataExport('e3', '2026-12-01T10:00:00.000Z', {
    user: '0Adrive',
    services: ['drive'],
    sharedDrive: { id: '0Adrive', name: 'Finance' },
    selection: { folder: '/Budgets' },
  });
  assert.equal(exportWhat(drive), 'Drive: folder “/Budgets”');
  assert.equal(exportSubject(drive), 'Shared drive Finance');
  assert.equal(exportRow(drive).who, 'Shared drive Finance');
  assert.equal(exportSubject({ ...drive, sharedDrive: { id: '0Adrive', name: null } }), 'Shared drive 0Adrive');
});
