// The state badge of a service's last backup, and what a finished "Back up now" reports.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backupFinishedMessage, finishedRuns, type ServiceBackup, serviceStatus } from './backup-status.ts';

const queuedAt = '2026-12-04T10:00:00.000Z';
const finishedAt = '2026-12-04T10:05:00.000Z';
const lastSuccessAt = '2026-12-03T10:05:00.000Z';

test('a service never backed up is "never", with no time', () => {
  assert.deepEqual(serviceStatus({ lastSuccessAt: null, lastRun: null }), { state: 'never', at: null, error: null });
});

test("a finished run's outcome is the state, timed when the run ended, with its error", () => {
  const run = (status: 'success' | 'partial' | 'failed', error: string | null = null): ServiceBackup => ({
    lastSuccessAt,
    lastRun: { status, queuedAt, finishedAt, error },
  });
  assert.deepEqual(serviceStatus(run('success')), { state: 'success', at: finishedAt, error: null });
  assert.deepEqual(serviceStatus(run('partial')), { state: 'partial', at: finishedAt, error: null });
  assert.deepEqual(serviceStatus(run('failed', 'Google authorisation lost')), {
    state: 'failed',
    at: finishedAt,
    error: 'Google authorisation lost',
  });
});

test('while a run is queued or running the time shown is the last success, which still protects the data', () => {
  for (const status of ['queued', 'running'] as const) {
    assert.deepEqual(serviceStatus({ lastSuccessAt, lastRun: { status, queuedAt, finishedAt: null, error: null } }), {
      state: 'running',
      at: lastSuccessAt,
      error: null,
    });
  }
});

test('a success without a recorded run (history pruned) is still a success', () => {
  assert.deepEqual(serviceStatus({ lastSuccessAt, lastRun: null }), {
    state: 'success',
    at: lastSuccessAt,
    error: null,
  });
});

test('a finished backup reports the runs that ended since it started, never a negative count', () => {
  const outcomes = finishedRuns({ success: 3, partial: 1, failed: 2 }, { success: 7, partial: 2, failed: 1 });
  assert.deepEqual(outcomes, { success: 4, partial: 1, failed: 0 });
  assert.equal(backupFinishedMessage(outcomes), 'Backup finished: 4 succeeded, 1 partial, 0 failed.');
});
