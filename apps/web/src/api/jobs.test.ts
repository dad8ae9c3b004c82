// A job's page polls the server about every second while the job runs, and stops once it ended.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pollWhileActive } from './jobs.ts';

const state = (status: 'pending' | 'error' | 'success', jobStatus?: string) => ({
  state: { status, data: jobStatus === undefined ? undefined : { status: jobStatus } },
});

test('a queued or running job (or one not read yet) is polled every second', () => {
  assert.equal(pollWhileActive(state('pending')), 1000);
  assert.equal(pollWhileActive(state('success', 'queued')), 1000);
  assert.equal(pollWhileActive(state('success', 'running')), 1000);
});

test('an ended job, or one the server refused to show, is not polled again', () => {
  for (const ended of ['success', 'partial', 'failed', 'expired']) {
    assert.equal(pollWhileActive(state('success', ended)), false, ended);
  }
  assert.equal(pollWhileActive(state('error')), false);
  assert.equal(pollWhileActive(state('error', 'running')), false);
});
