// Which restores and exports the header's notifications watch, and what they say once they end.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addJob,
  type JobStorage,
  loadJobs,
  markAllRead,
  parseRemembered,
  type RememberedJob,
  recordEnd,
  rememberedLimit,
  rememberJob,
  storageKey,
  unfinished,
  unreadCount,
} from './job-notifications.ts';

const now = new Date('2026-12-04T21:00:00.000Z');
const later = new Date('2026-12-04T21:05:00.000Z');
const finished = { title: 'Restore finished', text: 'Restore finished: 3 restored, 0 skipped, 0 failed.', ok: true };

function memoryStorage(): JobStorage & { values: Map<string, string> } {
  const values = new Map<string, string>();
  return {
    values,
    getItem: (key) => values.get(key) ?? null,
    setItem: (key, value) => {
      values.set(key, value);
    },
  };
}

test('a started job is remembered first, once, and only the newest ones are kept', () => {
  let jobs: RememberedJob[] = [];
  jobs = addJob(jobs, { kind: 'restore', jobId: 'r1', label: 'Restore · Mail' }, now);
  jobs = addJob(jobs, { kind: 'export', jobId: 'e1', label: 'Export · alice' }, later);
  jobs = addJob(jobs, { kind: 'restore', jobId: 'r1', label: 'again' }, later);
  assert.deepEqual(
    jobs.map((job) => [job.kind, job.jobId, job.label]),
    [
      ['export', 'e1', 'Export · alice'],
      ['restore', 'r1', 'Restore · Mail'],
    ],
  );
  assert.equal(jobs[1]?.rememberedAt, now.toISOString());
  // The same id as a restore and as an export are two jobs.
  assert.equal(addJob(jobs, { kind: 'export', jobId: 'r1', label: 'x' }, now).length, 3);

  for (let i = 0; i < rememberedLimit + 5; i++) jobs = addJob(jobs, { kind: 'export', jobId: `x${i}`, label: '' }, now);
  assert.equal(jobs.length, rememberedLimit);
  assert.equal(jobs[0]?.jobId, `x${rememberedLimit + 4}`);
});

test('an ending is recorded once and is unread until the notifications are opened', () => {
  let jobs = addJob([], { kind: 'restore', jobId: 'r1', label: 'Restore · Mail' }, now);
  jobs = addJob(jobs, { kind: 'export', jobId: 'e1', label: 'Export' }, now);
  assert.equal(unfinished(jobs).length, 2);
  assert.equal(unreadCount(jobs), 0);

  jobs = recordEnd(jobs, { kind: 'restore', jobId: 'r1' }, finished, later);
  assert.deepEqual(jobs.find((job) => job.jobId === 'r1')?.ended, { at: later.toISOString(), ...finished });
  assert.deepEqual(
    unfinished(jobs).map((job) => job.jobId),
    ['e1'],
  );
  assert.equal(unreadCount(jobs), 1);

  // Seen: reading does not end anything, and a later poll of the same ending changes nothing.
  jobs = markAllRead(jobs);
  assert.equal(unreadCount(jobs), 0);
  const again = recordEnd(jobs, { kind: 'restore', jobId: 'r1' }, { ...finished, text: 'other' }, new Date());
  assert.deepEqual(again, jobs);
});

const alice = { customerId: 'c1', personId: 'p1' };

test('stored jobs survive a reload, one list per person and tenant; unreadable storage is dropped, not trusted', () => {
  const storage = memoryStorage();
  rememberJob({ owner: alice, kind: 'export', jobId: 'e1', label: 'Export · bob' }, { storage, now });
  rememberJob(
    { owner: { customerId: 'c2', personId: 'p1' }, kind: 'restore', jobId: 'r9', label: 'other tenant' },
    { storage, now },
  );
  rememberJob(
    { owner: { customerId: 'c1', personId: 'p2' }, kind: 'restore', jobId: 'r8', label: 'another person' },
    { storage, now },
  );
  const reloaded = loadJobs(alice, storage);
  assert.deepEqual(
    reloaded.map((job) => [job.kind, job.jobId, job.label, job.ended]),
    [['export', 'e1', 'Export · bob', null]],
  );

  assert.deepEqual(parseRemembered('not json'), []);
  assert.deepEqual(parseRemembered('{"kind":"restore"}'), []);
  storage.setItem(
    storageKey(alice),
    JSON.stringify([
      { kind: 'backup', jobId: 'x', label: '', rememberedAt: '', ended: null, read: false },
      { kind: 'restore', jobId: 'r1', label: 'ok', rememberedAt: '', ended: null, read: false },
      { kind: 'export', jobId: 'e1', label: 'bad end', rememberedAt: '', ended: { at: 1 }, read: false },
    ]),
  );
  assert.deepEqual(
    loadJobs(alice, storage).map((job) => job.jobId),
    ['r1'],
  );
});

test('without storage (switched off) remembering does nothing and reads nothing', () => {
  rememberJob({ owner: alice, kind: 'export', jobId: 'e1', label: '' }, { storage: null, now });
  assert.deepEqual(loadJobs(alice, null), []);
  const full: JobStorage = {
    getItem: () => null,
    setItem: () => {
      throw new Error('QuotaExceededError');
    },
  };
  assert.doesNotThrow(() => rememberJob({ owner: alice, kind: 'export', jobId: 'e1', label: '' }, { storage: full }));
});
