// Trial days are counted like the server's License Manager: whole days, rounded up, never below 0.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trialDaysLeft } from './trial.ts';

const now = new Date('2026-11-24T12:00:00Z');

test('a fresh 14-day trial has 14 days left, a partly used day counts as a day', () => {
  assert.equal(trialDaysLeft({ status: 'trial', trialEndsAt: '2026-12-08T12:00:00Z' }, now), 14);
  assert.equal(trialDaysLeft({ status: 'trial', trialEndsAt: '2026-11-25T00:00:00Z' }, now), 1);
});

test('an ended trial has 0 days left; a paid or suspended tenant has no trial', () => {
  assert.equal(trialDaysLeft({ status: 'trial', trialEndsAt: '2026-11-20T00:00:00Z' }, now), 0);
  assert.equal(trialDaysLeft({ status: 'active', trialEndsAt: '2026-12-08T12:00:00Z' }, now), null);
  assert.equal(trialDaysLeft({ status: 'trial', trialEndsAt: null }, now), null);
});
